"""CloudEvents over HTTP (spec 1.0) for ``cloudevent`` functions: binary mode (``ce-*``
headers, the data in the body) and structured mode (``application/cloudevents+json``). The
event reads as the CloudEvents SDK's that Google's framework passes: ``event["type"]``,
``event.get("subject")``, ``event.data``."""

import base64
import json
from urllib.parse import unquote

REQUIRED = ("specversion", "id", "source", "type")
STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"


class CloudEvent:
    def __init__(self, attributes, data=None):
        self._attributes = dict(attributes)
        self.data = data

    def __getitem__(self, name):
        return self._attributes[name]

    def get(self, name, default=None):
        return self._attributes.get(name, default)

    def __contains__(self, name):
        return name in self._attributes

    def __iter__(self):
        return iter(self._attributes)

    def __len__(self):
        return len(self._attributes)

    def get_attributes(self):
        return dict(self._attributes)

    def get_data(self):
        return self.data

    def __repr__(self):
        return f"CloudEvent({self._attributes!r}, data={self.data!r})"


class InvalidEvent(Exception):
    """A request that is not a valid CloudEvent: answered with ``status``, never seen by the function."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def from_request(request):
    """The CloudEvent in ``request`` (a ``kiln_function.request.Request``)."""
    mimetype = request.mimetype
    if mimetype == BATCH:
        raise InvalidEvent(415, "batched CloudEvents are not supported: send one event per request")
    if mimetype == STRUCTURED:
        return _structured(request.get_data())
    if any(name.lower().startswith("ce-") for name, _ in request.headers.items()):
        return _binary(request)
    raise InvalidEvent(
        415, f"the request holds no CloudEvent: no ce-* headers, and its Content-Type is not {STRUCTURED}"
    )


def _binary(request):
    attributes = {}
    for name, value in request.headers.items():
        if name.lower().startswith("ce-"):
            attributes[name[3:].lower()] = unquote(value)
    _check(attributes)
    content_type = request.content_type
    if content_type:
        attributes["datacontenttype"] = content_type
    return CloudEvent(attributes, _decode(request.get_data(), content_type))


def _structured(body):
    try:
        document = json.loads(body)
    except ValueError as error:
        raise InvalidEvent(400, f"the structured CloudEvent is not valid JSON: {error}") from error
    if not isinstance(document, dict):
        raise InvalidEvent(400, "the structured CloudEvent is not a JSON object")
    data = document.pop("data", None)
    encoded = document.pop("data_base64", None)
    _check(document)
    if encoded is not None:
        data = base64.b64decode(encoded)
    return CloudEvent(document, data)


def _check(attributes):
    missing = [name for name in REQUIRED if not attributes.get(name)]
    if missing:
        raise InvalidEvent(400, f"the CloudEvent lacks its required attribute(s) {', '.join(missing)}")
    if attributes["specversion"] != "1.0":
        raise InvalidEvent(400, f"CloudEvents spec version {attributes['specversion']} is not supported (1.0 is)")


def _decode(body, content_type):
    mimetype = (content_type or "").split(";")[0].strip().lower()
    if body and (mimetype == "application/json" or mimetype.endswith("+json")):
        try:
            return json.loads(body)
        except ValueError:
            return body
    if body and mimetype.startswith("text/"):
        return body.decode("utf-8", "replace")
    return body

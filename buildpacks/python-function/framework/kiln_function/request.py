"""The request an ``http`` function gets: the parts of Flask's request API that functions use
(``get_json``, ``args``, ``form``, ``files``, ``headers``, ``method``, ``path``, ``data``,
``get_data``, ``cookies`` and friends), read lazily from the raw request."""

import email.parser
import functools
import email.policy
import io
import json
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from kiln_function.multidict import Headers, MultiDict


class HTTPError(Exception):
    """A request the function cannot use (a body that is not the JSON it asked for): answered
    with ``code``, as Flask answers it, instead of 500."""

    def __init__(self, code, description):
        super().__init__(description)
        self.code = code
        self.description = description


class FileStorage:
    """An uploaded file of a ``multipart/form-data`` body, as Werkzeug's FileStorage."""

    def __init__(self, name, filename, content_type, content):
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.mimetype = content_type.split(";")[0].strip().lower()
        self.stream = io.BytesIO(content)

    def read(self, size=-1):
        return self.stream.read(size)

    def save(self, destination):
        data = self.stream.getvalue()
        if hasattr(destination, "write"):
            destination.write(data)
        else:
            with open(destination, "wb") as file:
                file.write(data)

    def __repr__(self):
        return f"<FileStorage: {self.filename!r} ({self.content_type!r})>"


class Request:
    """One HTTP request, parsed only as far as the function reads it."""

    def __init__(self, method, path, query_string, headers, body, scheme="http", remote_addr=None):
        self.method = method
        self.path = path
        self.query_string = query_string.encode("latin-1") if isinstance(query_string, str) else query_string
        self.headers = Headers(headers)
        self.scheme = scheme
        self.remote_addr = remote_addr
        self._body = body
        self._json = _UNSET
        self._form = None

    # The body.

    @property
    def data(self):
        return self._body

    def get_data(self, cache=True, as_text=False, parse_form_data=False):  # noqa: ARG002 - Flask's signature
        return self._body.decode(self.mimetype_params.get("charset", "utf-8"), "replace") if as_text else self._body

    @property
    def content_type(self):
        return self.headers.get("Content-Type")

    @property
    def mimetype(self):
        return (self.content_type or "").split(";")[0].strip().lower()

    @property
    def mimetype_params(self):
        params = {}
        for part in (self.content_type or "").split(";")[1:]:
            name, _, value = part.partition("=")
            params[name.strip().lower()] = value.strip().strip('"')
        return params

    @property
    def content_length(self):
        return len(self._body)

    @property
    def is_json(self):
        mimetype = self.mimetype
        return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))

    def get_json(self, force=False, silent=False, cache=True):  # noqa: ARG002 - Flask's signature
        """The body as JSON, as Flask reads it: None (``silent``) or 415 when the request is not
        JSON, None (``silent``) or 400 when the body is not valid JSON."""
        if self._json is not _UNSET:
            return self._json
        if not (force or self.is_json):
            if silent:
                return None
            raise HTTPError(415, "Did not attempt to load JSON data because the request Content-Type was not 'application/json'.")
        try:
            self._json = json.loads(self._body) if self._body else None
        except ValueError as error:
            if silent:
                return None
            raise HTTPError(400, f"The request body is not valid JSON: {error}") from error
        if self._json is None and not self._body and not silent:
            raise HTTPError(400, "The request body is empty, not JSON.")
        return self._json

    @property
    def json(self):
        return self.get_json()

    @property
    def form(self):
        return self._parsed_form()[0]

    @property
    def files(self):
        return self._parsed_form()[1]

    @property
    def values(self):
        return MultiDict([*self.args.items(multi=True), *self.form.items(multi=True)])

    def _parsed_form(self):
        if self._form is None:
            self._form = _parse_form(self.mimetype, self.content_type, self._body)
        return self._form

    # The URL.

    @functools.cached_property
    def args(self):
        # Parsed once per request, as Flask's is: `values` and the function may read it often.
        return MultiDict(parse_qsl(self.query_string.decode("latin-1"), keep_blank_values=True))

    @property
    def host(self):
        return self.headers.get("Host", "")

    @property
    def full_path(self):
        return f"{self.path}?{self.query_string.decode('latin-1')}"

    @property
    def url(self):
        query = f"?{self.query_string.decode('latin-1')}" if self.query_string else ""
        return f"{self.scheme}://{self.host}{self.path}{query}"

    @property
    def base_url(self):
        return f"{self.scheme}://{self.host}{self.path}"

    @property
    def host_url(self):
        return f"{self.scheme}://{self.host}/"

    @property
    def url_root(self):
        return self.host_url

    # Headers.

    @property
    def cookies(self):
        cookie = SimpleCookie()
        for header in self.headers.getlist("Cookie"):
            cookie.load(header)
        return {name: morsel.value for name, morsel in cookie.items()}

    @property
    def user_agent(self):
        return self.headers.get("User-Agent", "")

    @property
    def access_route(self):
        forwarded = self.headers.get("X-Forwarded-For")
        if forwarded:
            return [address.strip() for address in forwarded.split(",")]
        return [self.remote_addr] if self.remote_addr else []

    def __repr__(self):
        return f"<Request {self.url!r} [{self.method}]>"


_UNSET = object()


def _parse_form(mimetype, content_type, body):
    """``(form, files)`` of a urlencoded or multipart body; both empty for other bodies."""
    if mimetype == "application/x-www-form-urlencoded":
        return MultiDict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)), MultiDict()
    if mimetype != "multipart/form-data":
        return MultiDict(), MultiDict()
    # The standard library's MIME parser reads multipart bodies once given their header.
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    fields, files = [], []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name is None:
            continue
        content = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is None:
            charset = part.get_content_charset() or "utf-8"
            fields.append((name, content.decode(charset, "replace")))
        else:
            files.append((name, FileStorage(name, filename, part.get_content_type(), content)))
    return MultiDict(fields), MultiDict(files)

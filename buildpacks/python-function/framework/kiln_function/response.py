"""What an ``http`` function may return, mapped to an HTTP answer as Flask maps a view's
return value: ``str`` or ``bytes`` (HTML, as Flask's default), ``dict`` or ``list`` (JSON), a
``(body, status)``, ``(body, headers)`` or ``(body, status, headers)`` tuple, or a response
object (kiln's ``Response``, or Flask's and Werkzeug's, read by their attributes)."""

import json
from http import HTTPStatus

HTML = "text/html; charset=utf-8"
JSON = "application/json"


class Response:
    """A complete answer, for functions that want to say everything themselves."""

    def __init__(self, response=b"", status=200, headers=None, mimetype=None, content_type=None):
        self.body = response.encode() if isinstance(response, str) else bytes(response)
        self.status_code = _status_code(status)
        self.headers = dict(headers or {})
        if content_type or mimetype:
            self.headers["Content-Type"] = content_type or mimetype
        self.headers.setdefault("Content-Type", HTML)

    def get_data(self):
        return self.body


class InvalidReturnValue(TypeError):
    """The function returned something no HTTP answer can be made of."""


def to_answer(value):
    """``(status, [(name, value)], body bytes)`` for the function's return value."""
    status, headers = None, []
    if isinstance(value, tuple):
        if len(value) == 3:
            value, status, extra = value
            headers = _header_list(extra)
        elif len(value) == 2:
            value, second = value
            if isinstance(second, (dict, list)) or hasattr(second, "items"):
                headers = _header_list(second)
            else:
                status = second
        else:
            raise InvalidReturnValue(
                "The function returned a tuple of "
                f"{len(value)} items: return (body, status), (body, headers) or (body, status, headers)."
            )
    answer_status, answer_headers, body = _body_answer(value)
    if status is not None:
        answer_status = _status_code(status)
    # Headers the function names replace the body's defaults (Content-Type above all).
    named = {name.lower() for name, _ in headers}
    merged = [(name, header) for name, header in answer_headers if name.lower() not in named] + headers
    return answer_status, merged, body


def _body_answer(value):
    if isinstance(value, str):
        return 200, [("Content-Type", HTML)], value.encode()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return 200, [("Content-Type", HTML)], bytes(value)
    if isinstance(value, (dict, list)):
        return 200, [("Content-Type", JSON)], json.dumps(value).encode() + b"\n"
    if hasattr(value, "status_code") and hasattr(value, "get_data"):
        return _status_code(value.status_code), _header_list(value.headers), value.get_data()
    if value is None:
        raise InvalidReturnValue(
            "The function returned None: return a str, bytes, dict, list, tuple or response object."
        )
    raise InvalidReturnValue(
        f"The function returned a {type(value).__name__}: return a str, bytes, dict, list, tuple or response object."
    )


def _header_list(headers):
    if hasattr(headers, "to_wsgi_list"):
        return [(str(name), str(value)) for name, value in headers.to_wsgi_list()]
    if hasattr(headers, "items"):
        return [(str(name), str(value)) for name, value in headers.items()]
    return [(str(name), str(value)) for name, value in headers]


def _status_code(status):
    if isinstance(status, HTTPStatus):
        return status.value
    if isinstance(status, int):
        return status
    if isinstance(status, str) and status.split(" ", 1)[0].isdigit():
        return int(status.split(" ", 1)[0])
    raise InvalidReturnValue(f"The function returned the status {status!r}: use an int such as 201.")


def error_answer(status, text):
    return status, [("Content-Type", "text/plain; charset=utf-8")], text.encode() + b"\n"

"""The application granian's worker serves, made at import from the function the server's
``main`` named in the environment (``KILN_FUNCTION_*``): a WSGI application for a plain
function, which granian calls in its thread pool so that several requests are in flight; an
RSGI application for an ``async def`` function, awaited on granian's event loop."""

import inspect
import os
import sys
import traceback
from http import HTTPStatus

from kiln_function import cloudevent
from kiln_function.loader import function_of, load_module
from kiln_function.request import Request
from kiln_function.response import InvalidReturnValue, error_answer, to_answer

# Paths browsers ask for on their own: never the function's business (as in Google's framework).
NOT_THE_FUNCTION = frozenset(("/favicon.ico", "/robots.txt"))
# What Google's framework answers for a handled event (functions_framework's
# _cloud_event_view_func_wrapper returns "OK").
EVENT_HANDLED = (200, [("Content-Type", "text/plain; charset=utf-8")], b"OK")


def log(message):
    print(message, file=sys.stderr, flush=True)


class Function:
    """The function and what turns a request into its answer, for either interface."""

    def __init__(self, name, function, signature):
        self.name = name
        self.function = function
        self.cloudevent = signature == "cloudevent"

    def answer(self, request):
        """For a plain function: the answer to ``request``, whatever the function does."""
        early = self.early_answer(request)
        if early is not None:
            return early
        try:
            if self.cloudevent:
                event = cloudevent.from_request(request)
                self.function(event)
                return EVENT_HANDLED
            return to_answer(self.function(request))
        except cloudevent.InvalidEvent as error:
            return error_answer(error.status, str(error))
        except Exception as error:  # noqa: BLE001 - every failure of the function answers
            return self.failed(request, error)

    async def answer_async(self, request):
        """For an ``async def`` function."""
        early = self.early_answer(request)
        if early is not None:
            return early
        try:
            if self.cloudevent:
                event = cloudevent.from_request(request)
                await self.function(event)
                return EVENT_HANDLED
            return to_answer(await self.function(request))
        except cloudevent.InvalidEvent as error:
            return error_answer(error.status, str(error))
        except Exception as error:  # noqa: BLE001
            return self.failed(request, error)

    def early_answer(self, request):
        if request.path in NOT_THE_FUNCTION:
            return error_answer(404, "Not Found")
        if self.cloudevent and request.method != "POST":
            return error_answer(405, "A CloudEvent function takes POST requests")
        return None

    def failed(self, request, error):
        status = http_error_status(error)
        if status is not None:
            return error_answer(status, getattr(error, "description", None) or str(error))
        if self.cloudevent:
            what = f"on event {_event_id(request)}"
        else:
            what = f"serving {request.method} {request.full_path.rstrip('?')}"
        if isinstance(error, InvalidReturnValue):
            log(f"The function {self.name} gave no valid answer {what}: {error}")
        else:
            log(f"The function {self.name} failed {what}: {type(error).__name__}: {error}\n{traceback.format_exc()}")
        return error_answer(500, "Internal Server Error")


def _event_id(request):
    """The id of the event in `request`, which the function already got (for the log)."""
    return cloudevent.from_request(request)["id"]


def http_error_status(error):
    """The status of an error that stands for an HTTP answer (kiln's request errors, Werkzeug's
    and Flask's ``abort``), else None."""
    code = getattr(error, "code", None)
    if isinstance(code, int) and 400 <= code < 600 and type(error).__module__.startswith(("kiln_function", "werkzeug")):
        return code
    return None


def wsgi_application(function):
    def application(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        request = Request(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO") or "/",
            environ.get("QUERY_STRING", ""),
            _wsgi_headers(environ),
            body,
            environ.get("wsgi.url_scheme", "http"),
            environ.get("REMOTE_ADDR"),
        )
        status, headers, answer = function.answer(request)
        start_response(f"{status} {_phrase(status)}", headers)
        return [answer]

    return application


def _wsgi_headers(environ):
    headers = [
        (key[5:].replace("_", "-").title(), value) for key, value in environ.items() if key.startswith("HTTP_")
    ]
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers.append((name, environ[key]))
    return headers


def _phrase(status):
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class RsgiApplication:
    def __init__(self, function):
        self.function = function

    async def __rsgi__(self, scope, proto):
        if scope.proto != "http":
            return
        body = await proto()
        client = scope.client or ""
        request = Request(
            scope.method,
            scope.path,
            scope.query_string,
            scope.headers.items(),
            body,
            scope.scheme,
            client.rsplit(":", 1)[0] or None,
        )
        status, headers, answer = await self.function.answer_async(request)
        proto.response_bytes(status, headers, answer)

    __call__ = __rsgi__


def make_application(environ=os.environ):
    source, target = environ["KILN_FUNCTION_SOURCE"], environ["KILN_FUNCTION_TARGET"]
    function = function_of(load_module(source), target)
    if function is None:
        sys.exit(f"{source} defines no function {target}")
    wrapped = Function(target, function, environ.get("KILN_FUNCTION_SIGNATURE", "http"))
    if inspect.iscoroutinefunction(function):
        return RsgiApplication(wrapped)
    return wsgi_application(wrapped)


application = make_application() if "KILN_FUNCTION_TARGET" in os.environ else None

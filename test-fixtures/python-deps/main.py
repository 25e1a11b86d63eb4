"""kiln's python-deps fixture: a function whose requirement has a transitive dependency
(python-dateutil needs six), see contract.toml."""

import time
from importlib.metadata import version

import six
from dateutil import parser


def greet(request):
    if request.path == "/fail":
        parser.parse("not a date at all")
    if request.path == "/slow":
        time.sleep(1.2)
        return "Hello after a second\n"
    if request.method == "POST":
        return {"received": six.ensure_str(request.get_data()), "bytes": len(request.data)}, 201
    day = parser.parse(request.args.get("day", "2026-12-02")).strftime("%A")
    return f"Hello, {request.args['name']}! It is {day} (dateutil {version('python-dateutil')}, six {six.__version__}).\n", {"Content-Type": "text/plain; charset=utf-8"}

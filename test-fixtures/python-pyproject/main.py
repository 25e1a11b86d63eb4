"""kiln's python-pyproject fixture: dependencies and the Python version from a PEP 621
pyproject.toml (see contract.toml)."""

import platform
import time

import six


def hello(request):
    if request.path == "/fail":
        raise LookupError("python-pyproject was asked to fail")
    if request.path == "/slow":
        time.sleep(1.2)
        return "Hello after a second\n"
    if request.method == "POST":
        return {"received": request.get_data(as_text=True), "bytes": request.content_length}, 201
    python = ".".join(platform.python_version_tuple()[:2])
    return f"Hello, {request.args.get('name')}, from Python {python} with six {six.__version__}!\n", 200, {"Content-Type": "text/plain; charset=utf-8"}

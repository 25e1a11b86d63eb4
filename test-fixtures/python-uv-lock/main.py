"""kiln's python-uv-lock fixture: dependencies installed exactly as uv.lock pins them, the
Python version from .python-version (see contract.toml)."""

import sys
import time

import idna


def hello(request):
    if request.path == "/fail":
        idna.encode("")
    if request.path == "/slow":
        time.sleep(1.2)
        return "Hello after a second\n"
    if request.method == "POST":
        return {"received": request.data.decode(), "bytes": len(request.get_data())}, 201
    name = idna.decode(idna.encode(request.args.get("name", "world")))
    return f"Hello, {name}! (idna {idna.__version__}, Python {sys.version_info.major}.{sys.version_info.minor})\n", {"Content-Type": "text/plain; charset=utf-8"}

"""kiln's python-app fixture: an app, not a function; it starts as its Procfile says and
listens on the port the command line gives it (the Procfile passes $PORT)."""

import os
import sys
from wsgiref.simple_server import make_server


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [b"Hello from kiln python-app\n"]


if __name__ == "__main__":
    port = int(sys.argv[sys.argv.index("--port") + 1])
    with make_server(os.environ.get("FUNC_ADDRESS") or "0.0.0.0", port, application) as server:
        server.serve_forever()

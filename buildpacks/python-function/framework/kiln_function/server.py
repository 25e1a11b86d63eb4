"""The function server: granian, 1 worker, which serves ``kiln_function.app``.

Started as ``python -m kiln_function --target NAME --signature http|cloudevent --source FILE
--interface wsgi|rsgi`` (the build's check says whether the function is ``async def``, so
this process never imports it). It listens where the function contract says (``PORT``,
default 8080, and ``FUNC_ADDRESS``, unset or empty for every interface) and stops gracefully
on SIGTERM or SIGINT: requests in flight finish, for up to 10 s.
"""

import os
import sys

from granian.constants import Interfaces
from granian.server import Server

DEFAULT_PORT = 8080
SHUTDOWN_GRACE_SECONDS = 10
OPTIONS = ("target", "signature", "source", "interface")


def parse_args(argv):
    options = dict(zip((name.removeprefix("--") for name in argv[::2]), argv[1::2]))
    missing = [name for name in OPTIONS if name not in options]
    if missing:
        sys.exit(
            "usage: python -m kiln_function --target NAME --signature http|cloudevent --source FILE "
            f"--interface wsgi|rsgi (missing: {', '.join(missing)})"
        )
    return options


def main():
    options = parse_args(sys.argv[1:])
    # The worker process makes its application from these (kiln_function.app).
    os.environ["KILN_FUNCTION_TARGET"] = options["target"]
    os.environ["KILN_FUNCTION_SIGNATURE"] = options["signature"]
    os.environ["KILN_FUNCTION_SOURCE"] = options["source"]
    port = int(os.environ.get("PORT") or DEFAULT_PORT)
    address = os.environ.get("FUNC_ADDRESS") or "0.0.0.0"
    print(f"Serving the {options['signature']} function {options['target']} on {address}:{port}", file=sys.stderr, flush=True)
    Server(
        "kiln_function.app:application",
        address=address,
        port=port,
        interface=Interfaces.RSGI if options["interface"] == "rsgi" else Interfaces.WSGI,
        workers=1,
        # As many threads per core as Google's framework gives gunicorn.
        blocking_threads=4 * (os.cpu_count() or 1) if options["interface"] == "wsgi" else 1,
        workers_kill_timeout=SHUTDOWN_GRACE_SECONDS,
        log_access=False,
        log_level="error",
    ).serve()

"""``python -m kiln_function.google``: Google's Functions Framework as its authors run it (its
``functions-framework`` command: gunicorn, 1 worker, 4 threads per core), listening where
kiln's function contract says: its ``--host`` comes from ``FUNC_ADDRESS`` (unset or empty
for every interface), its ``--port`` from ``PORT``."""

import os
import sys

from functions_framework._cli import _cli

if __name__ == "__main__":
    os.environ["HOST"] = os.environ.get("FUNC_ADDRESS") or "0.0.0.0"
    sys.argv[0] = "functions-framework"
    _cli()

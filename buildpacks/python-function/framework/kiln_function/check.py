"""``python -m kiln_function.check FILE TARGET SIGNATURE``: the build's check of the function,
with the image's Python and packages. It imports the module (a syntax error, a missing
package or an error while importing fails the build, not the first request) and finds the
function. Prints one JSON document on its last line for the buildpack:

- ``{"ok": true, "async": bool}``
- ``{"error": "syntax", "file": F, "line": N, "message": M}``
- ``{"error": "import", "message": M}`` (the traceback is printed before)
- ``{"error": "not-found", "callables": [{"name": N, "signature": S}]}``
- ``{"error": "signature", "signature": S}``: it cannot be called with one argument
"""

import inspect
import json
import os
import sys
import traceback

from kiln_function.loader import function_of, load_module


def callables_of(module):
    found = []
    for name, value in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(value) or value.__module__ != module.__name__:
            continue
        found.append({"name": name, "signature": describe(value)})
    return found


def describe(function):
    prefix = "async def" if inspect.iscoroutinefunction(function) else "def"
    try:
        return f"{prefix} {function.__name__}{inspect.signature(function)}"
    except (TypeError, ValueError):
        return f"{prefix} {function.__name__}(…)"


def check(source, target):
    try:
        module = load_module(source)
    except SyntaxError as error:
        path = os.path.relpath(error.filename or source)
        return {"error": "syntax", "file": path, "line": error.lineno, "message": error.msg}
    except BaseException as error:  # noqa: BLE001 - anything the import raises fails the build
        traceback.print_exc()
        return {"error": "import", "message": f"{type(error).__name__}: {error}"}
    function = function_of(module, target)
    if function is None:
        return {"error": "not-found", "callables": callables_of(module)}
    try:
        inspect.signature(function).bind(None)
    except TypeError:
        return {"error": "signature", "signature": describe(function)}
    except ValueError:
        pass  # builtins without a signature: trust them
    return {"ok": True, "async": inspect.iscoroutinefunction(function)}


if __name__ == "__main__":
    source, target = sys.argv[1], sys.argv[2]
    result = check(source, target)
    sys.stdout.flush()
    print(json.dumps(result))

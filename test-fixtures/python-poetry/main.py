"""kiln's python-poetry fixture: idna comes from poetry.lock's main group; iniconfig, in its dev
group, must not be installed. See contract.toml."""

import importlib.util
import time

import idna


def punycode(request):
    if request.path == "/fail":
        idna.encode("")
    if request.path == "/slow":
        time.sleep(1.1)
        return "poetry, slowly\n"
    dev = "installed" if importlib.util.find_spec("iniconfig") else "absent"
    if request.method == "POST":
        return {"ascii": idna.encode(request.get_json()["host"]).decode(), "dev group": dev}, 201
    return f"{request.args['host']} is {idna.encode(request.args['host']).decode()} (dev group {dev})\n"

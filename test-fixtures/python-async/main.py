"""kiln's python-async fixture: an `async def` http function, awaited on the server's event
loop (see contract.toml)."""

import asyncio
import json


async def hello(request):
    if request.path == "/fail":
        await asyncio.sleep(0)
        raise ValueError("python-async was asked to fail")
    if request.path == "/slow":
        await asyncio.sleep(1.2)
        return "Hello after a second\n"
    if request.method == "POST":
        received = request.get_data(as_text=True)
        body = json.dumps({"received": received, "bytes": len(request.data)})
        return body, 201, {"Content-Type": "application/json"}
    return f"Hello, {request.args.get('name', 'World')}!\n", 200, {"Content-Type": "text/plain; charset=utf-8"}

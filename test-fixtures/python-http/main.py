"""kiln's python-http fixture: an http function without requirements (see contract.toml)."""

import time


def hello(request):
    if request.path == "/fail":
        raise RuntimeError("python-http was asked to fail")
    if request.path == "/slow":
        time.sleep(1.2)
        return "Hello after a second\n"
    if request.path == "/runtime":
        return runtime_modules()
    if request.path == "/bytecode":
        return standard_library_bytecode()
    if request.method == "POST":
        if request.is_json:
            request.get_json()  # a JSON body must parse
        return {"received": request.get_data(as_text=True), "bytes": len(request.data)}, 201
    name = request.args.get("name", "World")
    return f"Hello, {name}!\n", {"Content-Type": "text/plain; charset=utf-8"}


def runtime_modules():
    """Uses the standard library modules that need native libraries, in the running image."""
    import bz2
    import ctypes
    import lzma
    import sqlite3
    import ssl
    import uuid
    import zlib

    data = b"kiln" * 100
    assert bz2.decompress(bz2.compress(data)) == data
    assert lzma.decompress(lzma.compress(data)) == data
    assert zlib.decompress(zlib.compress(data)) == data
    assert sqlite3.connect(":memory:").execute("select 40 + 2").fetchone() == (42,)
    assert ctypes.sizeof(ctypes.c_int) == 4
    ssl.create_default_context()
    uuid.uuid4()
    return "ssl sqlite3 ctypes zlib lzma bz2 uuid: ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


def standard_library_bytecode():
    """Whether Python could use the bytecode of every standard library module imported so far,
    or had to compile the module at start (a timestamped .pyc whose source has another
    modification time than it records)."""
    import importlib.util
    import os
    import sys

    compiled_at_start = []
    for name, module in sorted(sys.modules.items()):
        source = getattr(module, "__file__", None) or ""
        if not (source.startswith(sys.base_prefix) and source.endswith(".py")):
            continue
        try:
            with open(importlib.util.cache_from_source(source), "rb") as bytecode:
                header = bytecode.read(16)
        except OSError:
            compiled_at_start.append(name)
            continue
        hash_based = int.from_bytes(header[4:8], "little") & 1
        recorded_mtime = int.from_bytes(header[8:12], "little")
        if not hash_based and recorded_mtime != int(os.stat(source).st_mtime) & 0xFFFFFFFF:
            compiled_at_start.append(name)
    if compiled_at_start:
        return f"compiled at start: {' '.join(compiled_at_start)}\n", 500
    return "standard library bytecode: used\n"

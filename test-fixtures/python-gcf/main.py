"""kiln's python-gcf fixture: a function written for Google's Functions Framework, with its
declarative decorator, served by that framework (see contract.toml)."""

import time

import flask
import functions_framework


@functions_framework.http
def hello(request: flask.Request):
    if request.path == "/fail":
        raise RuntimeError("python-gcf was asked to fail")
    if request.path == "/slow":
        time.sleep(1.2)
        return "Hello after a second\n"
    if request.method == "POST":
        return flask.jsonify(received=request.get_data(as_text=True), bytes=len(request.data)), 201
    return f"Hello, {request.args.get('name', 'World')}!\n", {"Content-Type": "text/plain; charset=utf-8"}

"""kiln's Python function framework: serves one function (``FUNC_NAME``) over HTTP.

Signatures follow Google Cloud Functions, so code written for it runs unchanged:

- ``http``: ``fn(request)``, with the Flask request API functions use (``kiln_function.request``);
  it returns what a Flask view may return (``kiln_function.response``). ``async def`` functions
  are awaited.
- ``cloudevent``: ``fn(cloud_event)``, with ``cloud_event["type"]`` and ``cloud_event.data``.

The server is granian's embedded RSGI server (``kiln_function.server``), in this process.
"""

from kiln_function.cloudevent import CloudEvent
from kiln_function.request import Request
from kiln_function.response import Response

__all__ = ["CloudEvent", "Request", "Response"]

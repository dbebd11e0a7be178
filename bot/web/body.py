"""Reading a request body with a cap that holds for chunked bodies too. (Werkzeug's own cap
on a stream without Content-Length — gunicorn's chunked bodies — cuts the body off at the
limit and returns the start of it as if it were all; here a body past the cap is a 413.)"""

from __future__ import annotations

from flask import Request
from werkzeug.exceptions import RequestEntityTooLarge

CHUNK = 64 * 1024
LIMIT_KEY = "swarmbot.body_limit"  # in the WSGI environ: the cap, for the 413's sentence


def read_body(request: Request, limit: int) -> bytes:
    request.environ[LIMIT_KEY] = limit
    request.max_content_length = limit + 1  # a Content-Length over it: 413 before reading
    stream = request.stream
    chunks, size = [], 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise RequestEntityTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)

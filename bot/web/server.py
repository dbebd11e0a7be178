"""Serving a WSGI app with waitress: in the foreground (`swarmbot serve`) or on a background
thread (the sandbox and the end-to-end tests), on a fixed port or a free one (port 0)."""

from __future__ import annotations

import threading
from typing import Any

import waitress

MAX_BUFFERED_BODY = 2 * 1024 * 1024


class WebServer:
    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0,
                 threads: int = 8) -> None:
        # waitress reads a whole body (dechunked) before the app sees it: refuse one far
        # larger than any route accepts (bot/web/app.py) before buffering it
        self._server = waitress.create_server(app, host=host, port=port, threads=threads,
                                              ident="swarmbot",
                                              max_request_body_size=MAX_BUFFERED_BODY)
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.host = host

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        self._server.run()

    def start(self) -> WebServer:
        self._thread = threading.Thread(target=self._run, name="swarmbot-web", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._server.run()
        except OSError:
            if not self._stopping:  # closing the socket under the loop ends it this way
                raise

    def stop(self) -> None:
        self._stopping = True
        self._server.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

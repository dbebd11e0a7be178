"""The emulator's HTTP side: `/api/<method>` (Web API) and `/response/<token>`
(response_url), on 127.0.0.1 and a free port."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from bot.sandbox.emulator.faults import RateLimited
from bot.sandbox.emulator.state import SlackError

if TYPE_CHECKING:
    from bot.sandbox.emulator.emulator import SlackEmulator


def _parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    if "application/json" in content_type:
        data = json.loads(raw.decode("utf-8"))
        return data if isinstance(data, dict) else {}
    return {k: v[-1] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}


def make_server(emulator: SlackEmulator) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            return None

        def do_GET(self) -> None:  # noqa: N802
            self._handle()

        def do_POST(self) -> None:  # noqa: N802
            self._handle()

        def _reply(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
                   ) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _handle(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                params = {k: v[-1] for k, v in parse_qs(url.query).items()}
                params.update(_parse_body(self.headers.get("Content-Type", ""), raw))
            except (ValueError, UnicodeDecodeError):
                self._reply(200, {"ok": False, "error": "invalid_json"})
                return
            if url.path.startswith("/api/"):
                self._api(url.path[len("/api/"):], params)
            elif url.path.startswith("/response/"):
                status, body = emulator.receive_response(url.path[len("/response/"):], params)
                self._reply(status, body)
            else:
                self._reply(404, {"ok": False, "error": "not_found"})

        def _api(self, method: str, params: dict[str, Any]) -> None:
            auth = self.headers.get("Authorization", "")
            token = auth[7:] if auth.lower().startswith("bearer ") else params.pop("token", "")
            params.pop("token", None)
            status, body, headers = emulator.call_api(method, params, token)
            self._reply(status, body, headers)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name="slack-emulator", daemon=True)
    thread.start()
    return thread


__all__ = ["make_server", "serve_in_thread", "RateLimited", "SlackError", "time"]

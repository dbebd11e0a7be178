"""The emulator's HTTP side on 127.0.0.1 and a free port: `/api/<method>` (the Web API) and
`/response/<token>` (response_url)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from bot.sandbox.emulator.emulator import SlackEmulator


class BadBody(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_request(query: str, content_type: str, raw: bytes
                  ) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """Query, body arguments and whether the body was JSON, as the Web API reads them
    (https://api.slack.com/web#posting_json): form bodies and query strings are both
    arguments; a JSON body must be an object (invalid_json, json_not_object)."""
    query_args = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if not raw:
        return query_args, {}, False
    if "application/json" in content_type.lower():
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise BadBody("invalid_json") from None
        if not isinstance(data, dict):
            raise BadBody("json_not_object")
        return query_args, data, True
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody("invalid_charset") from None
    return query_args, {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}, False


def make_server(emulator: SlackEmulator) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            return None

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (an injected timeout): nothing to tell it

        def _handle(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            content_type = self.headers.get("Content-Type", "")
            if url.path.startswith("/api/"):
                method = url.path[len("/api/"):]
                try:
                    query, body, is_json = parse_request(url.query, content_type, raw)
                except BadBody as bad:
                    self._reply(200, {"ok": False, "error": bad.code})
                    return
                status, answer, headers = emulator.call_api(
                    method, query, body, is_json=is_json,
                    authorization=self.headers.get("Authorization", ""))
                self._reply(status, answer, headers)
            elif url.path.startswith("/response/"):
                try:
                    _, body, _ = parse_request("", content_type or "application/json", raw)
                except BadBody:
                    self._reply(400, {"ok": False, "error": "invalid_payload"})
                    return
                status, answer = emulator.receive_response(url.path[len("/response/"):], body)
                self._reply(status, answer)
            else:
                self._reply(404, {"ok": False, "error": "not_found"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="slack-emulator", daemon=True)
    thread.start()
    return thread

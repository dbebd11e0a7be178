"""Socket Mode: Slack sends the app's payloads over a WebSocket the app opened, instead of
POSTing them to a request URL — as https://api.slack.com/apis/socket-mode and
https://api.slack.com/apis/connections/socket-implement describe:

- `apps.connections.open`, called with the app-level token (`xapp-…`), answers a fresh,
  single-use WebSocket URL (here `ws://127.0.0.1:<port>/link/?ticket=…`);
- on connecting, the app gets `{"type": "hello", "num_connections": n, …}`;
- each payload comes in an envelope `{"envelope_id", "type": "events_api" | "slash_commands"
  | "interactive", "payload", "accepts_response_payload", "retry_attempt", "retry_reason"}`,
  the payload being exactly what the request URL would have been sent;
- the app acknowledges with `{"envelope_id": …}` within 3 seconds, and where
  `accepts_response_payload` is true the ack may carry `"payload"`: the answer a request
  URL would have given (a slash command's reply, a view_submission's response_action);
- Slack sends `{"type": "disconnect", "reason": "refresh_requested"}` before it recycles a
  connection (and `"link_disabled"` when Socket Mode is turned off), and the app opens a
  new one; an envelope not acknowledged is sent again (events, with `retry_attempt` and
  `retry_reason`, like the Events API's retries over HTTP).

`SocketLink.post(body, headers)` has the HTTP transport's signature (transport.post), so
every story the emulator tells over HTTP it tells over the socket the same way."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from bot.sandbox.emulator.transport import BotReply

NO_ACK = "timeout"  # the retry_reason of an envelope sent again because no ack came in time


@dataclass
class _Envelope:
    envelope_id: str
    message: dict[str, Any]
    acked: threading.Event = field(default_factory=threading.Event)
    answer: Any = None
    sent_on: ServerConnection | None = None
    lost: bool = False  # its connection closed before the ack came


class SocketLink:
    """The emulator's Socket Mode endpoint: tickets, open connections, envelopes awaiting
    their ack. `drop_before_ack(n)` makes the next `n` acks get lost with their
    connection (the app did the work; Slack never heard so), for redelivery tests."""

    def __init__(self, *, app_token: str, app_id: str, deadline: float) -> None:
        self.app_token, self.app_id, self.deadline = app_token, app_id, deadline
        self.enabled = True
        self._lock = threading.Condition()
        self._tickets: set[str] = set()
        self._open: list[ServerConnection] = []
        self._waiting: dict[str, _Envelope] = {}
        self._drops = 0
        self._turn = 0
        self.connections_opened = 0
        self.log: list[dict[str, Any]] = []  # every message sent and received, in order
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        if self._server is None:
            self._server = serve(self._serve, "127.0.0.1", 0, process_request=self._admit,
                                 ping_interval=None, max_size=2**20)
            self._thread = threading.Thread(target=self._server.serve_forever,
                                            name="slack-emulator-socket", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self.disconnect_all(reason=None)
            self._server.shutdown()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server, self._thread = None, None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("start the emulator first (emu.start())")
        return int(self._server.socket.getsockname()[1])

    # -- apps.connections.open -------------------------------------------------------------
    def open_url(self) -> str:
        """A new single-use WebSocket URL (apps.connections.open's `url`)."""
        ticket = str(uuid.uuid4())
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        ticket = parse_qs(urlsplit(request.path).query).get("ticket", [""])[-1]
        with self._lock:
            if not self.enabled or ticket not in self._tickets:
                return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")
            self._tickets.discard(ticket)
        return None

    # -- one connection --------------------------------------------------------------------
    def _serve(self, connection: ServerConnection) -> None:
        with self._lock:
            self._open.append(connection)
            self.connections_opened += 1
            count = len(self._open)
        self._send(connection, {
            "type": "hello", "num_connections": count,
            "debug_info": {"host": "emulator", "build_number": 1,
                           "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id}})
        with self._lock:
            self._lock.notify_all()  # a sender waiting for a connection may go on
        try:
            for raw in connection:
                self._received(connection, raw)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                if connection in self._open:
                    self._open.remove(connection)
                for envelope in self._waiting.values():
                    if envelope.sent_on is connection and not envelope.acked.is_set():
                        envelope.lost = True
                        envelope.acked.set()  # wakes the sender, who sends it again
                self._lock.notify_all()

    def _received(self, connection: ServerConnection, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            return
        if not isinstance(message, dict) or not isinstance(message.get("envelope_id"), str):
            return
        with self._lock:
            self.log.append({"direction": "in", **message})
            envelope = self._waiting.get(message["envelope_id"])
            if envelope is None:
                return  # an ack for nothing pending (late, or twice)
            if self._drops > 0:  # the ack is lost with the connection
                self._drops -= 1
                drop = True
            else:
                drop = False
                envelope.answer = message.get("payload")
                envelope.acked.set()
                del self._waiting[envelope.envelope_id]
        if drop:
            connection.close()

    def _send(self, connection: ServerConnection, message: dict[str, Any]) -> bool:
        with self._lock:
            self.log.append({"direction": "out", **message})
        try:
            connection.send(json.dumps(message))
            return True
        except ConnectionClosed:
            return False

    # -- what Slack does to connections ----------------------------------------------------
    def connected(self) -> int:
        with self._lock:
            return len(self._open)

    def disconnect_all(self, reason: str | None = "refresh_requested") -> None:
        """Tell every connection `disconnect` (refresh_requested, link_disabled, …) and
        close it; `reason=None` closes without a word (a dropped network)."""
        with self._lock:
            connections = list(self._open)
        for connection in connections:
            if reason is not None:
                self._send(connection, {"type": "disconnect", "reason": reason,
                                        "debug_info": {"host": "emulator"}})
            connection.close()

    def refresh(self) -> None:
        """Slack recycles the connection: disconnect (refresh_requested); the app opens a
        new one from a new apps.connections.open URL."""
        self.disconnect_all("refresh_requested")

    def disable(self) -> None:
        """Socket Mode turned off in the app's settings: link_disabled, and no more
        connections are admitted."""
        self.enabled = False
        self.disconnect_all("link_disabled")

    def drop_before_ack(self, times: int = 1) -> None:
        with self._lock:
            self._drops += times

    # -- sending envelopes -----------------------------------------------------------------
    def post(self, body: bytes, headers: dict[str, str]) -> BotReply:
        """Send what the HTTP transport would POST as one envelope and wait at most
        `deadline` seconds for its ack, waiting for a connection included. An envelope
        whose connection closes before its ack is sent again on the next connection (the
        same envelope_id; an event with its retry_attempt counted up)."""
        kind, payload = _envelope_payload(body, headers)
        message: dict[str, Any] = {"envelope_id": str(uuid.uuid4()), "type": kind,
                                   "payload": payload,
                                   "accepts_response_payload": kind != "events_api"}
        if kind == "events_api":
            message["retry_attempt"] = int(headers.get("X-Slack-Retry-Num") or 0)
            message["retry_reason"] = headers.get("X-Slack-Retry-Reason", "")
        envelope = _Envelope(message["envelope_id"], message)
        started = time.monotonic()
        until = started + self.deadline
        while True:
            connection = self._connection(until)
            if connection is None:
                return BotReply(None, None, elapsed=time.monotonic() - started,
                                failure="connection_failed" if envelope.sent_on is None
                                else NO_ACK)
            with self._lock:
                envelope.sent_on, envelope.lost = connection, False
                envelope.acked.clear()
                self._waiting[envelope.envelope_id] = envelope
            self._send(connection, message)
            envelope.acked.wait(max(0.0, until - time.monotonic()))
            with self._lock:
                if not envelope.lost:
                    self._waiting.pop(envelope.envelope_id, None)
                    break
            if kind == "events_api":  # sent again: Slack counts it as a retry
                message = {**message, "retry_attempt": message["retry_attempt"] + 1,
                           "retry_reason": NO_ACK}
                envelope.message = message
        elapsed = time.monotonic() - started
        if not envelope.acked.is_set():
            return BotReply(None, None, elapsed=elapsed, failure=NO_ACK)
        return BotReply(200, envelope.answer, {}, elapsed, None)

    def _connection(self, until: float) -> ServerConnection | None:
        """An open connection (taking turns when the app opened several), waiting for one
        while the app reconnects."""
        with self._lock:
            while not self._open:
                left = until - time.monotonic()
                if left <= 0:
                    return None
                self._lock.wait(left)
            self._turn += 1
            return self._open[self._turn % len(self._open)]


def _envelope_payload(body: bytes, headers: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The envelope type and payload for what would be POSTed to the request URL: a JSON
    body is an Events API callback, a form with `payload` an interaction, any other form a
    slash command (its fields as a JSON object)."""
    if "json" in headers.get("Content-Type", ""):
        return "events_api", json.loads(body)
    form = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    if set(form) == {"payload"}:
        return "interactive", json.loads(form["payload"])
    return "slash_commands", form


"""Socket Mode: with SLACK_APP_TOKEN set, the bot opens a WebSocket to Slack
(apps.connections.open, https://api.slack.com/apis/socket-mode) and gets its events,
commands and interactions there instead of at a public request URL.

bolt's own SocketModeHandler runs each envelope through the same App as an HTTP request
(slack_sdk's built-in client: no extra dependency). The App answers after the listener's
transaction commits (process_before_response), so an envelope is acknowledged — with the
answer as its payload — once its work is recorded, and not acknowledged when the listener
failed: Slack then sends it again. The built-in client reconnects when Slack asks
(`disconnect`: refresh_requested …) or the connection drops.

Before bolt sees an envelope, the request URL's own checks (bot/web/slack_requests.py): a
payload without a Slack payload's shape is acknowledged and dropped, with one log line; one
already handled — an envelope sent again because its ack was lost with its connection, an
event's retry — is acknowledged and dropped; otherwise its key is recorded in the use case's
own transaction (bot/services/replays.py), so a copy arriving while the first still runs is
refused at commit. The key of an event is its event_id (the same on every retry), of
anything else its envelope_id."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.services import replays
from bot.slack.payloads import event_id, malformed
from bot.web import metrics

log = logging.getLogger(__name__)

KEYS_KEPT = timedelta(hours=1)  # Slack retries an event for minutes; a redelivery is sooner
RETRY_SECONDS = (1, 2, 5, 10, 30)  # between attempts to open the first connection
# Slack's final answers to apps.connections.open: the token itself is refused, so trying
# again soon cannot help (a new SLACK_APP_TOKEN and a restart can): retried at the longest
# interval, and /healthz says so (docs.slack.dev/reference/methods/apps.connections.open)
REFUSED = frozenset({"invalid_auth", "not_authed", "not_allowed_token_type", "account_inactive",
                     "token_revoked", "token_expired", "missing_scope"})
PING_SECONDS = 10


def envelope_key(request: SocketModeRequest) -> str:
    """What makes two envelopes the same delivery: an event's event_id (the key the
    request URL uses for it too), else the envelope."""
    event = event_id(request.payload)
    if event is not None:
        return event_key(event)
    return replays.request_key(f"socket-envelope:{request.envelope_id[:120]}")


def event_key(event: str) -> str:
    """The replay key of an event, whichever way it came."""
    return replays.request_key(f"event:{event}")


class _Handler(SocketModeHandler):
    def __init__(self, app: App, *, app_token: str, services: Any, link: SocketLink) -> None:
        # The client pings every `ping_seconds` and, on the same beat, opens a new connection
        # when the last one dropped without a `disconnect`: a drop costs at most that long.
        super().__init__(app, app_token=app_token, logger=logging.getLogger("swarmbot.socket"),
                         ping_interval=link.ping_seconds)
        self._services, self._link = services, link
        self.client.on_message_listeners.append(link.message)

    def handle(self, client: Any, req: SocketModeRequest) -> None:
        """One envelope, counted like a request by surface and time to its ack
        (GET /metrics); a malformed one as "refused", one already handled as "replay"."""
        started, clock = time.time(), time.perf_counter()
        surface, status = self._handle(client, req, started)
        metrics.observe_request(surface, status, clock)

    def _handle(self, client: Any, req: SocketModeRequest, started: float) -> tuple[str, int]:
        problem = malformed(req.payload)
        if problem is not None:
            log.warning("dropped a Socket Mode envelope (%s): %s", req.type, problem)
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return "refused", 400
        key = envelope_key(req)
        if replays.seen(self._services, key):
            log.warning("dropped a Socket Mode envelope already handled (%s, retry %s)",
                        req.type, req.retry_attempt)
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return "replay", 200
        with replays.handling(key, datetime.now(UTC) + KEYS_KEPT):
            response = run_bolt_app(self.app, req)
        send_response(client, req, response, started)  # no ack unless it went well
        return metrics.surface(req.payload), int(response.status)


class SocketLink:
    """The bot's Socket Mode connection: `start()` connects in the background (retrying
    while Slack cannot be reached), `close()` disconnects, `health()` says how it is."""

    def __init__(self, app: App, *, app_token: str, services: Any,
                 ping_seconds: float = PING_SECONDS) -> None:
        self._app, self._token, self._services = app, app_token, services
        self.ping_seconds = ping_seconds
        self._handler: _Handler | None = None
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._connections = 0
        self._connected_at: float | None = None
        self._last_error: str | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SocketLink:
        if self._thread is None:
            self._closing.clear()
            self._thread = threading.Thread(target=self._connect, name="swarmbot-socket",
                                            daemon=True)
            self._thread.start()
        return self

    def _connect(self) -> None:
        for attempt in range(10**9):
            if self._closing.is_set():
                return
            try:
                handler = _Handler(self._app, app_token=self._token, services=self._services,
                                   link=self)
                with self._lock:
                    self._handler = handler
                handler.connect()
                log.info("Socket Mode: connected to Slack; it reconnects by itself from here")
                return
            except SlackApiError as error:
                code = str(error.response.get("error") or error.response.status_code)
                self._failed(code, f"Socket Mode: Slack refused apps.connections.open "
                                   f"({code}); check SLACK_APP_TOKEN (an app-level token "
                                   "with connections:write)")
            except Exception as error:  # noqa: BLE001 — Slack unreachable: try again later
                self._failed(type(error).__name__,
                             f"Socket Mode: could not reach Slack ({type(error).__name__})")
            if self._handler is not None:
                self._handler.close()
            refused = self._last_error in REFUSED  # trying again soon cannot help
            self._closing.wait(RETRY_SECONDS[-1] if refused
                               else RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])

    def _failed(self, code: str, line: str) -> None:
        with self._lock:
            self._last_error = code
        log.error("%s; trying again", line)

    def message(self, raw: str) -> None:
        """Every message on the socket; `hello` opens a connection."""
        try:
            hello = '"hello"' in raw[:64] and json.loads(raw).get("type") == "hello"
        except (ValueError, AttributeError):
            hello = False
        if hello:
            with self._lock:
                self._connections += 1
                self._connected_at = time.time()
                self._last_error = None

    def close(self) -> None:
        self._closing.set()
        with self._lock:
            handler = self._handler
        if handler is not None:
            handler.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def connected(self) -> bool:
        with self._lock:
            handler = self._handler
        return handler is not None and bool(handler.client.is_connected())

    def health(self) -> dict[str, Any]:
        """For /healthz: connected or not, how many connections it has opened (each Slack
        refresh opens one), since when the last one is up, and why the last attempt
        failed (an error code, never a token). `state`: connected, connecting (Slack out of
        reach or recycling the link: it reconnects by itself) or refused (the token is)."""
        connected = self.connected()
        with self._lock:
            state = ("connected" if connected else
                     "refused" if self._last_error in REFUSED else "connecting")
            return {"mode": "socket", "state": state, "connected": connected,
                    "connections_opened": self._connections,
                    "connected_for_seconds": round(time.time() - self._connected_at)
                    if connected and self._connected_at else None,
                    "last_error": self._last_error}

"""SlackEmulator: a stateful, thread-safe fake of the Slack the bot uses, over real HTTP.

    emu = SlackEmulator(signing_secret="s3cr3t", bot_token="xoxb-test").start()
    client = WebClient(token="xoxb-test", base_url=emu.api_url)
    emu.request_url = "http://127.0.0.1:8000/slack/events"
    alice = emu.add_user("alice"); general = emu.add_channel("general", members=[alice])
    emu.slash_command(alice, "/swarm", "help", channel=general)
    emu.ephemerals(alice)

Web API calls answer like Slack (HTTP 200 with ok:false and an error code; 429 with
Retry-After when rate limited); users act through signed requests (actors.py) — or, with
`transport="socket"`, through Socket Mode envelopes on the WebSocket the bot opened with
apps.connections.open and `app_token` (socket_mode.py)."""

from __future__ import annotations

import copy
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Self

from bot.sandbox.emulator.actors import CommandResult, UserActions
from bot.sandbox.emulator.faults import Fault, Faults, Limits, RateLimited
from bot.sandbox.emulator.server import make_server, serve_in_thread
from bot.sandbox.emulator.socket_mode import SocketLink
from bot.sandbox.emulator.state import Channel, SlackError, User, Workspace
from bot.sandbox.emulator.transport import BotReply, post, sign
from bot.sandbox.emulator.web_api import FORM_ONLY, WebApi
from bot.slack.scopes import BOT_SCOPES

__all__ = ["CommandResult", "SlackEmulator"]

TRANSPORTS = ("http", "socket")
# Real Slack answers a Web API call in about 150 ms from most places (the network both ways
# and its own work); the emulator answers at once unless told to take that long.
LATENCY_ENV = "SWARMBOT_EMULATOR_LATENCY_MS"


def latency_from_env() -> float:
    """SWARMBOT_EMULATOR_LATENCY_MS in seconds (0 when unset; a bad value is refused)."""
    text = os.environ.get(LATENCY_ENV, "").strip()
    try:
        value = float(text) / 1000 if text else 0.0
    except ValueError:
        raise ValueError(f"{LATENCY_ENV}={text!r}: give milliseconds, e.g. 150") from None
    if value < 0:
        raise ValueError(f"{LATENCY_ENV}={text!r}: a latency cannot be negative")
    return value


class SlackEmulator(UserActions):
    def __init__(self, *, signing_secret: str, bot_token: str = "xoxb-test",
                 request_url: str | None = None, team_id: str = "T0001",
                 team_domain: str = "acme", retry_delays: tuple[float, ...] = (0.1, 0.2, 0.4),
                 deadline: float = 3.0, api_app_id: str = "A0001", bot_name: str = "swarmbot",
                 trigger_lifetime: float = 3.0,
                 scopes: Iterable[str] = BOT_SCOPES, app_token: str = "xapp-1-A0001-emulator",
                 transport: str = "http", latency: float | None = None) -> None:
        if transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {', '.join(TRANSPORTS)}")
        self.signing_secret, self.bot_token = signing_secret, bot_token
        self.app_token = app_token
        self.transport = transport  # how users' actions reach the bot: request URL or socket
        # The bot token's scopes: an install of the manifest unless a test takes some away
        self.scopes = set(scopes)
        self.request_url = request_url
        self.retry_delays = tuple(retry_delays)
        self.deadline = deadline                  # Slack waits 3 s for the bot's answer
        # Seconds each Web API call takes, as a round trip: half before Slack acts on it, half
        # before its answer reaches the caller (None: SWARMBOT_EMULATOR_LATENCY_MS, else 0)
        self.latency = latency_from_env() if latency is None else latency
        self.trigger_lifetime = trigger_lifetime  # a trigger_id lives 3 s
        self.api_app_id = api_app_id
        self.workspace = Workspace(team_id, team_domain)
        self.faults = Faults()
        self.limits = Limits()
        self.subscriptions: set[str] = set()
        self.last_event: dict[str, Any] | None = None
        self._queued: list[dict[str, Any]] = []
        self._turn, self._turn_lock = 0, threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        with self.workspace.lock:
            bot = User(id=self.workspace.new_id("U"), name=bot_name, real_name=bot_name,
                       email="", is_bot=True)
            self.workspace.users[bot.id] = bot
        self.bot_user_id = bot.id
        self._api = WebApi(self)
        self.socket = SocketLink(app_token=app_token, app_id=api_app_id, deadline=deadline)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> Self:
        if self._server is None:
            self._server = make_server(self)
            self._thread = serve_in_thread(self._server)
            self.socket.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self.socket.stop()
            self._server.shutdown()
            self._server.server_close()
            self._server, self._thread = None, None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("start the emulator first (emu.start())")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL: `WebClient(token=..., base_url=emu.api_url)`."""
        return f"{self.base_url}/api/"

    @property
    def strict(self) -> bool:
        return self.limits.strict

    @strict.setter
    def strict(self, value: bool) -> None:
        self.limits.strict = value
        self.limits.reset()

    def subscribe(self, *event_types: str) -> None:
        """Event types the app subscribes to, for events Slack sends because of the bot's own
        calls (member_joined_channel after an invite, message for its posts, reaction_added
        for its reactions). Events from users acting are always sent."""
        self.subscriptions.update(event_types)

    # -- Web API ---------------------------------------------------------------------------
    def call_api(self, method: str, query: dict[str, Any], body: dict[str, Any] | None = None,
                 *, is_json: bool = False, authorization: str = ""
                 ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """One Web API call. The token comes from `Authorization: Bearer …` or a `token`
        argument (form or query; a JSON body needs the header, as
        https://api.slack.com/web#posting_json says). With a `latency`, the call is acted on
        half of it after it was made and answered the other half later."""
        latency = self.latency
        if latency > 0:
            time.sleep(latency / 2)
        started = time.time()
        params = dict(query)
        if not (is_json and method in FORM_ONLY):
            params.update(body or {})
        if authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
        else:
            token = query.get("token") if is_json else params.get("token")
        params.pop("token", None)
        fault = self.faults.take(method, params)
        if fault is not None:
            outcome = self._apply_fault(fault, method, params, token)
        else:
            outcome = self._answer(method, params, token)
        if token == self.bot_token:
            # Every answer to a call with a valid token, failed ones too, names the token's
            # scopes (https://api.slack.com/legacy/oauth-scopes#working-with-scopes;
            # bolt reads it from auth.test as the bot's scopes)
            status, answer, headers = outcome
            outcome = status, answer, {**headers, "x-oauth-scopes": ",".join(sorted(self.scopes))}
        self._flush_events()
        self._record(method, params, started, outcome)
        if latency > 0:
            time.sleep(latency / 2)
        return outcome

    def _answer(self, method: str, params: dict[str, Any], token: Any
                ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if method == "apps.connections.open":
            return 200, self._open_connection(token), {}
        if token != self.bot_token:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        handler = self._api.methods.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        try:
            self.limits.check_method(method)
            with self.workspace.lock:
                mark = len(self._queued)
                try:
                    return 200, {"ok": True, **handler(params)}, {}
                except BaseException:
                    del self._queued[mark:]  # a failed call causes no events
                    raise
        except SlackError as error:
            return 200, {"ok": False, "error": error.code, **error.extra}, {}
        except RateLimited as limited:
            return 429, {"ok": False, "error": "ratelimited"}, \
                {"Retry-After": str(limited.retry_after)}

    def _open_connection(self, token: str) -> dict[str, Any]:
        """apps.connections.open takes the app-level token only
        (https://api.slack.com/methods/apps.connections.open): a bot token is
        not_allowed_token_type, another app token invalid_auth."""
        if not token.startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if token != self.app_token:
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": self.socket.open_url()}

    def _apply_fault(self, fault: Fault, method: str, params: dict[str, Any], token: Any
                     ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if fault.applied:  # Slack did the work; only the answer goes wrong
            self._answer(method, params, token)
        if fault.kind == "timeout":
            time.sleep(fault.seconds)
            return 200, {"ok": False, "error": "request_timeout"}, {}
        if fault.kind == "http_500":
            return 500, {"ok": False, "error": "internal_error"}, {}
        if fault.kind == "rate_limited":
            return 429, {"ok": False, "error": "ratelimited"}, \
                {"Retry-After": str(fault.retry_after)}
        return 200, {"ok": False, "error": fault.error}, {}

    def _record(self, method: str, params: dict[str, Any], started: float,
                outcome: tuple[int, dict[str, Any], dict[str, str]]) -> None:
        status, body, _ = outcome
        with self.workspace.lock:
            self.workspace.calls.append({
                "method": method, "params": copy.deepcopy(params), "at": started,
                "status": status, "ok": body.get("ok"), "error": body.get("error"),
                "response": copy.deepcopy(body)})

    # -- signing and posting to the bot ----------------------------------------------------
    def sign(self, body: bytes, timestamp: int, secret: str | None = None) -> str:
        return sign(secret or self.signing_secret, body, timestamp)

    def _target(self) -> str:
        """The bot's request URL. Several, separated by spaces (web processes behind a load
        balancer), take turns."""
        if not self.request_url:
            raise RuntimeError("set emu.request_url to the bot's /slack/events URL first")
        urls = self.request_url.split()
        with self._turn_lock:
            self._turn += 1
            return urls[self._turn % len(urls)]

    def _post(self, body: bytes, headers: dict[str, str]) -> BotReply:
        if self.transport == "socket":
            return self.socket.post(body, headers)
        return post(self._target(), body, headers, secret=self.signing_secret,
                    timestamp=None, deadline=self.deadline)

    def post_to_bot(self, body: bytes, headers: dict[str, str] | None = None, *,
                    sign: bool = True, timestamp: int | None = None, secret: str | None = None,
                    timeout: float | None = None) -> tuple[int | None, Any]:
        """A raw POST to the bot, for security tests: unsigned (`sign=False`), stale
        (`timestamp=` an old one) or signed with the wrong `secret`. Returns (status, body);
        status None when the bot did not answer in time."""
        reply = post(self._target(), body, dict(headers or {}),
                     secret=(secret or self.signing_secret) if sign else None,
                     timestamp=timestamp, deadline=timeout or self.deadline)
        return reply.status, reply.body

    # -- setup -----------------------------------------------------------------------------
    def add_user(self, name: str, *, real_name: str = "", email: str = "", tz: str = "UTC",
                 is_admin: bool = False, presence: str = "active", deleted: bool = False,
                 is_bot: bool = False, locale: str = "en-US") -> str:
        """A member of the workspace; `deleted` a deactivated one, `is_bot` another app's bot
        user (users.info shows both flags as Slack does); `locale` the language they set in
        Slack (users.info shows it with include_locale)."""
        with self.workspace.lock:
            user = User(id=self.workspace.new_id("U"), name=name, real_name=real_name or name,
                        email=email or f"{name}@example.com", tz=tz or "UTC", is_admin=is_admin,
                        presence=presence, deleted=deleted, is_bot=is_bot, locale=locale)
            self.workspace.users[user.id] = user
            return user.id

    def set_presence(self, user: str, presence: str) -> None:
        with self.workspace.lock:
            self.workspace.user(user).presence = presence

    def add_channel(self, name: str, *, members: list[str] | None = None,
                    is_private: bool = False, topic: str = "", purpose: str = "") -> str:
        """A channel made by a person (the bot is not in it unless listed in `members`)."""
        with self.workspace.lock:
            for member in members or []:
                self.workspace.user(member)
            channel = Channel(id=self.workspace.new_id("G" if is_private else "C"), name=name,
                              is_private=is_private, members=list(dict.fromkeys(members or [])),
                              creator=(members or [""])[0], topic=topic, purpose=purpose)
            self.workspace.channels[channel.id] = channel
            return channel.id

    def add_usergroup(self, handle: str, users: list[str], *, name: str = "") -> str:
        with self.workspace.lock:
            group_id = self.workspace.new_id("S")
            self.workspace.usergroups[group_id] = {
                "id": group_id, "team_id": self.workspace.team_id, "handle": handle,
                "name": name or handle, "is_usergroup": True, "users": list(users)}
            return group_id

    # -- assertions ------------------------------------------------------------------------
    def ephemerals(self, user: str, channel: str | None = None) -> list[dict[str, Any]]:
        """Ephemeral messages shown to `user` (command answers, response_url posts,
        chat.postEphemeral, Slack's own error notices), oldest first."""
        with self.workspace.lock:
            return [copy.deepcopy(e) for e in self.workspace.ephemerals
                    if e["user"] == user and (channel is None or e["channel"] == channel)]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages in a channel or DM (thread replies too), oldest first."""
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.channel(channel).messages)

    def dm_messages(self, user: str) -> list[dict[str, Any]]:
        """Messages in the bot's DM with `user`, each with its `channel`."""
        with self.workspace.lock:
            im = next((c for c in self.workspace.channels.values()
                       if c.is_im and c.im_user == user), None)
            return [{**m, "channel": im.id} for m in copy.deepcopy(im.messages)] if im else []

    def channel(self, ref: str) -> dict[str, Any]:
        """A channel by id or name: id, name, topic, purpose, members, is_private,
        is_archived, created_by, messages."""
        with self.workspace.lock:
            return self.workspace.channel(ref).snapshot()

    def channels(self) -> list[dict[str, Any]]:
        with self.workspace.lock:
            return [c.snapshot() for c in self.workspace.channels.values() if not c.is_im]

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """Recorded Web API calls: method, params, at, status, ok, error, response."""
        with self.workspace.lock:
            return [copy.deepcopy(c) for c in self.workspace.calls
                    if method in (None, c["method"])]

    def deliveries(self, event_type: str | None = None) -> list[Any]:
        """DeliveryResult of every event sent to the bot (attempts, retry headers)."""
        with self.workspace.lock:
            return [d for d in self.workspace.deliveries
                    if event_type in (None, d.event.get("type"))]

    def interactions(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Slash commands and interactions sent to the bot, with its answers."""
        with self.workspace.lock:
            return [copy.deepcopy(i) for i in self.workspace.interactions
                    if kind in (None, i["kind"])]

    def open_views(self, user: str) -> list[dict[str, Any]]:
        """The modal stack shown to `user`, bottom first."""
        with self.workspace.lock:
            return [copy.deepcopy(self.workspace.views[v])
                    for v in self.workspace.stacks.get(user, []) if v in self.workspace.views]

    def home_view(self, user: str) -> dict[str, Any] | None:
        with self.workspace.lock:
            view = self.workspace.home.get(user)
            return copy.deepcopy(view) if view else None

    def wait_for(self, condition: Callable[[], Any], *, timeout: float = 5.0,
                 interval: float = 0.02, message: str = "") -> Any:
        """Poll `condition` until it returns something truthy (returned); on timeout raise
        AssertionError saying what was awaited and the last value or error."""
        deadline = time.monotonic() + timeout
        last: Any = None
        last_error: BaseException | None = None
        while True:
            try:
                last = condition()
                if last:
                    return last
            except (LookupError, SlackError, AssertionError, StopIteration) as error:
                last_error = error
            if time.monotonic() >= deadline:
                break
            time.sleep(interval)
        what = message or getattr(condition, "__name__", "condition")
        detail = f"last error: {last_error!r}" if last_error else f"last value: {last!r}"
        raise AssertionError(f"{what} not met within {timeout}s ({detail[:500]}); "
                             f"recent Slack calls: {self._recent_calls()}")

    def _recent_calls(self) -> str:
        with self.workspace.lock:
            recent = self.workspace.calls[-5:]
        return ", ".join(f"{c['method']}→{'ok' if c['ok'] else c['error']}" for c in recent) \
            or "none"

    def snapshot(self) -> dict[str, Any]:
        """The workspace as JSON-able data (users, channels with messages, ephemerals, views)."""
        with self.workspace.lock:
            ws = self.workspace
            return {
                "team": {"id": ws.team_id, "domain": ws.team_domain},
                "bot_user_id": self.bot_user_id,
                "users": [u.to_slack(ws.team_id) for u in ws.users.values()],
                "channels": [c.snapshot() for c in ws.channels.values()],
                "ephemerals": copy.deepcopy(ws.ephemerals),
                "home": copy.deepcopy(ws.home),
                "modals": {user: [copy.deepcopy(ws.views[v]) for v in stack if v in ws.views]
                           for user, stack in ws.stacks.items() if stack},
                "usergroups": copy.deepcopy(list(ws.usergroups.values())),
            }

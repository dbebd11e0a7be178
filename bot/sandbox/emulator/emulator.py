"""SlackEmulator: a stateful fake of the Slack the bot uses, over real HTTP.

Users act through signed requests (v0 HMAC-SHA256 over "v0:{timestamp}:{body}", as
https://api.slack.com/authentication/verifying-requests-from-slack describes) POSTed to
the bot's request URL with Slack's 3-second deadline; events are retried like the Events
API does (X-Slack-Retry-Num, X-Slack-Retry-Reason)."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests

from bot.sandbox.emulator.faults import Faults, Limits, RateLimited
from bot.sandbox.emulator.server import make_server, serve_in_thread
from bot.sandbox.emulator.state import Channel, SlackError, User, Workspace
from bot.sandbox.emulator.web_api import WebApi

RESPONSE_URL_LIFETIME = 30 * 60
RESPONSE_URL_USES = 5


@dataclass(frozen=True)
class CommandResult:
    status: int
    body: Any
    elapsed: float
    timed_out: bool


@dataclass(frozen=True)
class Attempt:
    status: int | None
    elapsed: float
    retry_num: int
    retry_reason: str | None


@dataclass
class DeliveryResult:
    event_id: str
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].status is not None \
            and 200 <= self.attempts[-1].status < 300 and not self._slow(self.attempts[-1])

    @staticmethod
    def _slow(attempt: Attempt) -> bool:
        return attempt.retry_reason == "__slow__"


class SlackEmulator:
    def __init__(self, *, signing_secret: str, bot_token: str = "xoxb-test",
                 request_url: str | None = None, team_id: str = "T0001",
                 team_domain: str = "acme", retry_delays: tuple[float, ...] = (0.1, 0.2, 0.4),
                 deadline: float = 3.0, api_app_id: str = "A0001") -> None:
        self.signing_secret, self.bot_token = signing_secret, bot_token
        self.request_url = request_url
        self.retry_delays, self.deadline, self.api_app_id = retry_delays, deadline, api_app_id
        self.workspace = Workspace(team_id, team_domain)
        self.faults = Faults()
        self.limits = Limits()
        self.usergroups: dict[str, dict[str, Any]] = {}
        self._responses: dict[str, dict[str, Any]] = {}
        self.last_event: dict[str, Any] | None = None
        self._server = make_server(self)
        self._thread: threading.Thread | None = None
        with self.workspace.lock:
            bot = User(id=self.workspace.new_id("U"), name="swarmbot", real_name="swarmbot",
                       email="", tz="UTC", is_bot=True)
            self.workspace.users[bot.id] = bot
        self.bot_user_id = bot.id
        self._api = WebApi(self)

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    @property
    def strict(self) -> bool:
        return self.limits.strict

    @strict.setter
    def strict(self, value: bool) -> None:
        self.limits.strict = value

    def start(self) -> SlackEmulator:
        if self._thread is None:
            self._thread = serve_in_thread(self._server)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- Web API ---------------------------------------------------------------------------
    def call_api(self, method: str, params: dict[str, Any], token: str
                 ) -> tuple[int, dict[str, Any], dict[str, str]]:
        started = time.time()
        fault = self.faults.take(method)
        if fault is not None:
            outcome = self._apply_fault(fault)
            self._record(method, params, started, outcome[1])
            return outcome
        if not token:
            body: dict[str, Any] = {"ok": False, "error": "not_authed"}
        elif token != self.bot_token:
            body = {"ok": False, "error": "invalid_auth"}
        elif method not in self._api.methods:
            body = {"ok": False, "error": "unknown_method"}
        else:
            try:
                self.limits.check_method(method)
                with self.workspace.lock:
                    body = {"ok": True, **self._api.methods[method](params)}
            except SlackError as error:
                body = {"ok": False, "error": error.code, **error.extra}
            except RateLimited as limited:
                body = {"ok": False, "error": "ratelimited"}
                self._record(method, params, started, body)
                return 429, body, {"Retry-After": str(limited.retry_after)}
        self._record(method, params, started, body)
        return 200, body, {}

    def _apply_fault(self, fault: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
        if fault.kind == "timeout":
            time.sleep(fault.seconds)
            return 200, {"ok": False, "error": "timeout_injected"}, {}
        if fault.kind == "http_500":
            return 500, {"ok": False, "error": "internal_error"}, {}
        if fault.kind == "rate_limited":
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(fault.retry_after)}
        return 200, {"ok": False, "error": fault.error}, {}

    def _record(self, method: str, params: dict[str, Any], started: float,
                body: dict[str, Any]) -> None:
        with self.workspace.lock:
            self.workspace.calls.append({"method": method, "params": copy.deepcopy(params),
                                         "at": started, "ok": body.get("ok"),
                                         "error": body.get("error")})

    # -- setup -----------------------------------------------------------------------------
    def add_user(self, name: str, *, real_name: str = "", email: str = "", tz: str = "UTC",
                 is_admin: bool = False, presence: str = "active") -> str:
        with self.workspace.lock:
            user = User(id=self.workspace.new_id("U"), name=name, real_name=real_name or name,
                        email=email or f"{name}@example.com", tz=tz, is_admin=is_admin,
                        presence=presence)
            self.workspace.users[user.id] = user
            return user.id

    def add_channel(self, name: str, *, members: list[str] | None = None,
                    is_private: bool = False) -> str:
        with self.workspace.lock:
            channel = Channel(id=self.workspace.new_id("G" if is_private else "C"), name=name,
                              is_private=is_private, members=list(members or []),
                              creator=(members or [""])[0])
            self.workspace.channels[channel.id] = channel
            return channel.id

    def add_usergroup(self, handle: str, users: list[str]) -> str:
        group_id = self.workspace.new_id("S")
        self.usergroups[group_id] = {"id": group_id, "handle": handle, "name": handle,
                                     "users": list(users)}
        return group_id

    # -- reactions (shared by the API and users) -------------------------------------------
    def add_reaction(self, message: dict[str, Any], user: str, name: str) -> None:
        reactions = message.setdefault("reactions", [])
        entry = next((r for r in reactions if r["name"] == name), None)
        if entry is None:
            entry = {"name": name, "users": [], "count": 0}
            reactions.append(entry)
        if user in entry["users"]:
            raise SlackError("already_reacted")
        entry["users"].append(user)
        entry["count"] = len(entry["users"])

    def remove_reaction(self, message: dict[str, Any], user: str, name: str) -> None:
        for entry in message.get("reactions", []):
            if entry["name"] == name and user in entry["users"]:
                entry["users"].remove(user)
                entry["count"] = len(entry["users"])
                if not entry["users"]:
                    message["reactions"].remove(entry)
                return
        raise SlackError("no_reaction")

    # -- signing and posting to the bot ----------------------------------------------------
    def sign(self, body: bytes, timestamp: int, secret: str | None = None) -> str:
        base = b"v0:" + str(timestamp).encode() + b":" + body
        digest = hmac.new((secret or self.signing_secret).encode(), base, hashlib.sha256)
        return "v0=" + digest.hexdigest()

    def post_to_bot(self, body: bytes, headers: dict[str, str] | None = None, *,
                    sign: bool = True, timestamp: int | None = None, secret: str | None = None,
                    timeout: float | None = None) -> tuple[int | None, Any]:
        if not self.request_url:
            raise RuntimeError("set emulator.request_url to the bot's /slack/events URL first")
        stamp = int(time.time()) if timestamp is None else timestamp
        sent = dict(headers or {})
        if sign:
            sent["X-Slack-Request-Timestamp"] = str(stamp)
            sent["X-Slack-Signature"] = self.sign(body, stamp, secret)
        try:
            response = requests.post(self.request_url, data=body, headers=sent,
                                     timeout=timeout or self.deadline)
        except requests.Timeout:
            return None, None
        try:
            parsed: Any = response.json() if response.content else None
        except ValueError:
            parsed = response.text
        return response.status_code, parsed

    def _new_trigger(self, user: str) -> str:
        trigger = f"{int(time.time())}.{secrets.randbelow(10**12)}.{secrets.token_hex(8)}"
        with self.workspace.lock:
            self.workspace.triggers[trigger] = (time.monotonic(), user)
        return trigger

    def _new_response_url(self, user: str, channel: str) -> str:
        token = secrets.token_urlsafe(16)
        self._responses[token] = {"user": user, "channel": channel, "uses": 0,
                                  "expires": time.time() + RESPONSE_URL_LIFETIME}
        return f"{self.base_url}/response/{token}"

    def receive_response(self, token: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """A POST to a response_url (https://api.slack.com/interactivity/handling#message_responses)."""
        with self.workspace.lock:
            entry = self._responses.get(token)
            if entry is None or entry["expires"] < time.time() or entry["uses"] >= RESPONSE_URL_USES:
                return 404, {"ok": False, "error": "expired_url"}
            entry["uses"] += 1
            self._show(entry["user"], entry["channel"], params, source="response_url")
        return 200, {"ok": True}

    def _show(self, user: str, channel: str, response: Any, *, source: str) -> None:
        """Show a command/interaction response: ephemeral unless response_type is in_channel."""
        if isinstance(response, str):
            response = {"text": response}
        if not isinstance(response, dict) or not (response.get("text") or response.get("blocks")):
            return
        blocks = response.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if response.get("response_type") == "in_channel" and channel in self.workspace.channels:
            self.workspace.channels[channel].messages.append(
                {"type": "message", "user": self.bot_user_id, "text": response.get("text", ""),
                 "blocks": blocks, "ts": self.workspace.new_ts()})
        else:
            self.workspace.ephemerals.append(
                {"user": user, "channel": channel, "text": response.get("text", ""),
                 "blocks": blocks, "ts": self.workspace.new_ts(), "source": source})

    # -- users acting ----------------------------------------------------------------------
    def slash_command(self, user: str, command: str, text: str = "", *, channel: str
                      ) -> CommandResult:
        """https://api.slack.com/interactivity/slash-commands#app_command_handling"""
        with self.workspace.lock:
            who = self.workspace.user(user)
            where = self.workspace.channels.get(channel)
            form = {
                "token": "verification-token-unused", "team_id": self.workspace.team_id,
                "team_domain": self.workspace.team_domain, "channel_id": channel,
                "channel_name": (where.name if where and not where.is_im else "directmessage"),
                "user_id": user, "user_name": who.name, "command": command, "text": text,
                "api_app_id": self.api_app_id, "is_enterprise_install": "false",
                "response_url": self._new_response_url(user, channel),
                "trigger_id": self._new_trigger(user),
            }
        started = time.monotonic()
        status, body = self.post_to_bot(urlencode(form).encode(),
                                        {"Content-Type": "application/x-www-form-urlencoded"})
        elapsed = time.monotonic() - started
        timed_out = status is None
        with self.workspace.lock:
            if timed_out:
                self.workspace.ephemerals.append(
                    {"user": user, "channel": channel, "ts": self.workspace.new_ts(),
                     "text": f"{command} failed with the error \"operation_timeout\"",
                     "blocks": None, "source": "slack"})
            elif status == 200:
                self._show(user, channel, body, source="command_response")
            else:
                self.workspace.ephemerals.append(
                    {"user": user, "channel": channel, "ts": self.workspace.new_ts(),
                     "text": f"{command} failed with the error \"dispatch_failed\"",
                     "blocks": None, "source": "slack"})
        return CommandResult(status or 0, body, elapsed, timed_out)

    def deliver_event(self, event: dict[str, Any], *, event_id: str | None = None
                      ) -> DeliveryResult:
        """An event_callback (https://api.slack.com/apis/connections/events-api), retried up to
        3 times when the bot answers non-2xx or takes longer than the deadline. Pass an
        `event_id` already used to replay a delivery (as Slack does after a timeout)."""
        event_id = event_id or "Ev" + secrets.token_hex(6).upper()
        envelope = {
            "token": "verification-token-unused", "team_id": self.workspace.team_id,
            "api_app_id": self.api_app_id, "event": event, "type": "event_callback",
            "event_id": event_id, "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": self.workspace.team_id,
                                "user_id": self.bot_user_id, "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False, "event_context": "4-" + secrets.token_hex(8),
        }
        body = json.dumps(envelope).encode()
        result = DeliveryResult(event_id)
        reason: str | None = None
        for retry_num in range(len(self.retry_delays) + 1):
            headers = {"Content-Type": "application/json"}
            if retry_num:
                time.sleep(self.retry_delays[retry_num - 1])
                headers["X-Slack-Retry-Num"] = str(retry_num)
                headers["X-Slack-Retry-Reason"] = reason or "http_error"
            started = time.monotonic()
            status, _ = self.post_to_bot(body, headers)
            elapsed = time.monotonic() - started
            result.attempts.append(Attempt(status, elapsed, retry_num, reason if retry_num else None))
            if status is not None and 200 <= status < 300:
                return result
            reason = "http_timeout" if status is None else "http_error"
        return result

    def react(self, user: str, channel: str, ts: str, name: str) -> DeliveryResult:
        with self.workspace.lock:
            message = self.workspace.message(self.workspace.channel(channel), ts)
            self.add_reaction(message, user, name)
            item_user = message.get("user")
        self.last_event = {"type": "reaction_added", "user": user, "reaction": name,
                           "item_user": item_user,
                           "item": {"type": "message", "channel": channel, "ts": ts},
                           "event_ts": f"{time.time():.6f}"}
        return self.deliver_event(self.last_event)

    def unreact(self, user: str, channel: str, ts: str, name: str) -> DeliveryResult:
        with self.workspace.lock:
            message = self.workspace.message(self.workspace.channel(channel), ts)
            self.remove_reaction(message, user, name)
            item_user = message.get("user")
        return self.deliver_event({"type": "reaction_removed", "user": user, "reaction": name,
                                   "item_user": item_user,
                                   "item": {"type": "message", "channel": channel, "ts": ts},
                                   "event_ts": f"{time.time():.6f}"})

    def send_message(self, user: str, channel: str, text: str) -> DeliveryResult:
        with self.workspace.lock:
            target = self.workspace.channel(channel)
            if user not in target.members and not target.is_im:
                raise SlackError("not_in_channel")
            message = {"type": "message", "user": user, "text": text,
                       "ts": self.workspace.new_ts(), "team": self.workspace.team_id}
            target.messages.append(message)
            event = {**message, "channel": target.id,
                     "channel_type": "im" if target.is_im else
                     ("group" if target.is_private else "channel"), "event_ts": message["ts"]}
        return self.deliver_event(event)

    def open_home(self, user: str) -> DeliveryResult:
        return self.deliver_event({"type": "app_home_opened", "user": user,
                                   "channel": self.workspace.im_with(user).id, "tab": "home",
                                   "event_ts": f"{time.time():.6f}"})

    def click(self, user: str, channel: str, ts: str, action_id: str, *, value: str | None = None,
              block_id: str | None = None) -> CommandResult:
        """block_actions on a message button (https://api.slack.com/reference/interaction-payloads/block-actions)."""
        with self.workspace.lock:
            who = self.workspace.user(user)
            target = self.workspace.channel(channel)
            message = copy.deepcopy(self.workspace.message(target, ts))
            element, found_block = self._find_element(message.get("blocks") or [], action_id)
            if element is None:
                raise AssertionError(f"no element with action_id {action_id!r} in message {ts}")
            action = {"action_id": action_id, "block_id": block_id or found_block,
                      "type": element.get("type", "button"),
                      "value": value if value is not None else element.get("value"),
                      "action_ts": f"{time.time():.6f}"}
            if "text" in element:
                action["text"] = element["text"]
            payload = {
                "type": "block_actions", "user": {"id": user, "username": who.name,
                                                  "name": who.name, "team_id": self.workspace.team_id},
                "api_app_id": self.api_app_id, "token": "verification-token-unused",
                "container": {"type": "message", "message_ts": ts, "channel_id": target.id,
                              "is_ephemeral": False},
                "trigger_id": self._new_trigger(user),
                "team": {"id": self.workspace.team_id, "domain": self.workspace.team_domain},
                "enterprise": None, "is_enterprise_install": False,
                "channel": {"id": target.id, "name": target.name},
                "message": message, "state": {"values": {}},
                "response_url": self._new_response_url(user, target.id), "actions": [action],
            }
        return self._interact(user, channel, payload)

    @staticmethod
    def _find_element(blocks: list[dict[str, Any]], action_id: str
                      ) -> tuple[dict[str, Any] | None, str | None]:
        for block in blocks:
            elements = list(block.get("elements") or [])
            if block.get("accessory"):
                elements.append(block["accessory"])
            for element in elements:
                if isinstance(element, dict) and element.get("action_id") == action_id:
                    return element, block.get("block_id") or secrets.token_hex(3)
        return None, None

    def submit_view(self, user: str, view_id: str, values: dict[str, dict[str, str]]
                    ) -> CommandResult:
        """view_submission (https://api.slack.com/reference/interaction-payloads/views)."""
        with self.workspace.lock:
            who = self.workspace.user(user)
            view = copy.deepcopy(self.workspace.views.get(view_id))
            if view is None:
                raise AssertionError(f"no open view {view_id}")
            view["state"] = {"values": self._state_values(view, values)}
            payload = {
                "type": "view_submission",
                "team": {"id": self.workspace.team_id, "domain": self.workspace.team_domain},
                "user": {"id": user, "username": who.name, "name": who.name,
                         "team_id": self.workspace.team_id},
                "api_app_id": self.api_app_id, "token": "verification-token-unused",
                "trigger_id": self._new_trigger(user), "view": view, "response_urls": [],
                "is_enterprise_install": False, "enterprise": None,
            }
        result = self._interact(user, "", payload, show=False)
        body = result.body if isinstance(result.body, dict) else {}
        if result.status == 200 and body.get("response_action") not in ("errors", "push", "update"):
            with self.workspace.lock:
                self.workspace.views.pop(view_id, None)  # closed
        return result

    @staticmethod
    def _state_values(view: dict[str, Any], values: dict[str, dict[str, str]]
                      ) -> dict[str, dict[str, Any]]:
        """Slack's nested state.values: block_id → action_id → {type, value | selected_option}."""
        kinds = {}
        for block in view.get("blocks", []):
            element = block.get("element") or {}
            kinds[(block.get("block_id"), element.get("action_id"))] = element.get("type",
                                                                                    "plain_text_input")
        state: dict[str, dict[str, Any]] = {}
        for block_id, actions in values.items():
            for action_id, value in actions.items():
                kind = kinds.get((block_id, action_id), "plain_text_input")
                if kind in ("static_select", "external_select"):
                    entry = {"type": kind, "selected_option": {
                        "text": {"type": "plain_text", "text": value}, "value": value}}
                else:
                    entry = {"type": kind, "value": value}
                state.setdefault(block_id, {})[action_id] = entry
        return state

    def _interact(self, user: str, channel: str, payload: dict[str, Any], *, show: bool = True
                  ) -> CommandResult:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        started = time.monotonic()
        status, answer = self.post_to_bot(body, {"Content-Type": "application/x-www-form-urlencoded"})
        elapsed = time.monotonic() - started
        return CommandResult(status or 0, answer, elapsed, status is None)

    # -- assertions ------------------------------------------------------------------------
    def ephemerals(self, user: str, channel: str | None = None) -> list[dict[str, Any]]:
        with self.workspace.lock:
            return [dict(e) for e in self.workspace.ephemerals
                    if e["user"] == user and (channel is None or e["channel"] == channel)]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.channel(channel).messages)

    def dm_messages(self, user: str) -> list[dict[str, Any]]:
        with self.workspace.lock:
            im = next((c for c in self.workspace.channels.values()
                       if c.is_im and c.im_user == user), None)
            return [{**m, "channel": im.id} for m in copy.deepcopy(im.messages)] if im else []

    def channel(self, ref: str) -> dict[str, Any]:
        with self.workspace.lock:
            return self.workspace.channel(ref).snapshot()

    def channels(self) -> list[dict[str, Any]]:
        with self.workspace.lock:
            return [c.snapshot() for c in self.workspace.channels.values() if not c.is_im]

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        with self.workspace.lock:
            return [dict(c) for c in self.workspace.calls if method in (None, c["method"])]

    def open_views(self, user: str) -> list[dict[str, Any]]:
        with self.workspace.lock:
            return [copy.deepcopy(v) for v in self.workspace.views.values()
                    if v["user"] == user and v.get("type") == "modal"]

    def home_view(self, user: str) -> dict[str, Any] | None:
        with self.workspace.lock:
            view = self.workspace.home.get(user)
            return copy.deepcopy(view) if view else None

    def wait_for(self, condition: Callable[[], Any], *, timeout: float = 5.0,
                 interval: float = 0.02, message: str = "") -> Any:
        deadline = time.monotonic() + timeout
        last_error: BaseException | None = None
        while time.monotonic() < deadline:
            try:
                value = condition()
                if value:
                    return value
            except (KeyError, LookupError, SlackError) as error:
                last_error = error
            time.sleep(interval)
        raise AssertionError(f"condition not met within {timeout}s{': ' + message if message else ''}"
                             + (f" (last error: {last_error!r})" if last_error else ""))

    def snapshot(self) -> dict[str, Any]:
        with self.workspace.lock:
            return {
                "team": {"id": self.workspace.team_id, "domain": self.workspace.team_domain},
                "bot_user_id": self.bot_user_id,
                "users": [u.to_slack(self.workspace.team_id) for u in self.workspace.users.values()],
                "channels": [c.snapshot() for c in self.workspace.channels.values()],
                "ephemerals": copy.deepcopy(self.workspace.ephemerals),
                "home": copy.deepcopy(self.workspace.home),
            }

"""Users acting: slash commands, messages, reactions, joins and App Home visits (Events API),
button clicks and view submissions (interactivity) — each built in Slack's format
(payloads.py), signed, POSTed to the bot with the deadline, and what the bot answered shown
to the user the way Slack shows it."""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from bot.sandbox.emulator import payloads
from bot.sandbox.emulator.blocks import check_blocks, check_view
from bot.sandbox.emulator.events import DeliveryResult, deliver
from bot.sandbox.emulator.socket_mode import NO_ACK
from bot.sandbox.emulator.state import ResponseUrl, SlackError, Trigger
from bot.sandbox.emulator.transport import BotReply

if TYPE_CHECKING:
    from bot.sandbox.emulator.state import Workspace

RESPONSE_URL_LIFETIME = 30 * 60
RESPONSE_URL_USES = 5
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TIMED_OUT = ("http_timeout", NO_ACK)  # no answer in time: over HTTP, over Socket Mode


_TYPED_MENTION = re.compile(r"(?<![<\w])@([a-z0-9][a-z0-9._-]*)")
_TYPED_CHANNEL = re.compile(r"(?<![<\w])#([a-z0-9][a-z0-9_\-]*[a-z_\-][a-z0-9_\-]*)")


@dataclass(frozen=True)
class CommandResult:
    """The bot's answer to a slash command or an interaction. `timed_out`: no answer within
    the deadline (the user saw an operation_timeout error)."""
    status: int
    body: Any
    elapsed: float
    timed_out: bool
    failure: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


class UserActions:
    """Mixed into SlackEmulator; uses its workspace, signing secret and request URL."""

    workspace: Workspace
    bot_user_id: str
    api_app_id: str
    deadline: float
    retry_delays: tuple[float, ...]
    subscriptions: set[str]

    def _post(self, body: bytes, headers: dict[str, str]) -> BotReply:
        raise NotImplementedError  # SlackEmulator signs and sends

    def _record_interaction(self, kind: str, payload: Any, reply: BotReply) -> None:
        with self.workspace.lock:
            self.workspace.interactions.append(
                {"kind": kind, "payload": copy.deepcopy(payload), "status": reply.status,
                 "body": copy.deepcopy(reply.body), "elapsed": reply.elapsed,
                 "failure": reply.failure, "at": time.time()})

    # -- trigger ids and response urls ------------------------------------------------------
    def _new_trigger(self, user: str) -> str:
        trigger = payloads.trigger_id(self.workspace.team_id)
        with self.workspace.lock:
            self.workspace.triggers[trigger] = Trigger(user, time.monotonic())
        return trigger

    def _new_response_url(self, user: str, channel: str, source: dict[str, Any]) -> str:
        token = secrets.token_urlsafe(16)
        with self.workspace.lock:
            self.workspace.responses[token] = ResponseUrl(
                user, channel, time.time() + RESPONSE_URL_LIFETIME, source)
        return f"{self.base_url}/response/{token}"  # type: ignore[attr-defined]

    def receive_response(self, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """A POST to a response_url: a new ephemeral (default) or in_channel message, or
        `replace_original` / `delete_original` of the message the interaction came from
        (https://api.slack.com/interactivity/handling#message_responses). Up to 5 uses within
        30 minutes."""
        with self.workspace.lock:
            entry = self.workspace.responses.get(token)
            if entry is None or entry.expires < time.time() or entry.uses >= RESPONSE_URL_USES:
                return 404, {"ok": False, "error": "expired_url"}
            if body.get("blocks") is not None:
                blocks = body["blocks"]
                if isinstance(blocks, str):
                    try:
                        blocks = json.loads(blocks)
                    except ValueError:
                        return 400, {"ok": False, "error": "invalid_blocks"}
                if check_blocks(blocks):
                    return 400, {"ok": False, "error": "invalid_blocks",
                                 "errors": check_blocks(blocks)}
                body = {**body, "blocks": blocks}
            if not _truthy(body.get("delete_original")) and not body.get("text") \
                    and not body.get("blocks"):
                return 400, {"ok": False, "error": "no_text"}
            entry.uses += 1
            self._apply_response(entry, body)
        return 200, {"ok": True}

    def _apply_response(self, entry: ResponseUrl, body: dict[str, Any]) -> None:
        ws, source = self.workspace, entry.source
        original = self._original(entry)
        if _truthy(body.get("delete_original")):
            if original is not None:
                container = (ws.ephemerals if original.get("subtype") == "ephemeral"
                             else ws.channels[entry.channel].messages)
                container[:] = [m for m in container if m is not original]
            return
        if _truthy(body.get("replace_original")) and original is not None:
            original["text"] = body.get("text") or ""
            original["blocks"] = body.get("blocks")
            if original["blocks"] is None and original.get("subtype") != "ephemeral":
                del original["blocks"]
            return
        shown = self._show(entry.user, entry.channel, body, source="response_url")
        if shown is not None and source.get("kind") == "command":
            source["ts"] = shown["ts"]  # a later replace_original replaces this answer

    def _original(self, entry: ResponseUrl) -> dict[str, Any] | None:
        ts = entry.source.get("ts")
        if not ts:
            return None
        if entry.source.get("ephemeral") or entry.source.get("kind") == "command":
            return next((e for e in self.workspace.ephemerals
                         if e["ts"] == ts and e["user"] == entry.user), None)
        channel = self.workspace.channels.get(entry.channel)
        return next((m for m in channel.messages if m["ts"] == ts), None) if channel else None

    def _show(self, user: str, channel: str, response: Any, *, source: str
              ) -> dict[str, Any] | None:
        """Show what the bot answered: ephemeral unless response_type is in_channel."""
        ws = self.workspace
        if isinstance(response, str):
            response = {"text": response}
        if not isinstance(response, dict) or not (response.get("text") or response.get("blocks")):
            return None
        content = {"text": response.get("text") or "", "blocks": response.get("blocks")}
        if response.get("thread_ts"):
            content["thread_ts"] = response["thread_ts"]
        target = ws.channels.get(channel)
        if response.get("response_type") == "in_channel" and target is not None:
            message = {"type": "message", "user": self.bot_user_id, "bot_id": "B00000001",
                       "app_id": self.api_app_id, "team": ws.team_id,
                       **{k: v for k, v in content.items() if v is not None}}
            return ws.append_message(target, message)
        return ws.show_ephemeral(user, channel, content, source=source)

    # -- slash commands --------------------------------------------------------------------
    def _escape_mentions(self, text: str) -> str:
        """What Slack does with a command whose "Escape channels, users, and links" is on (the
        manifest's `should_escape: true`): a typed `@name` of a workspace member is sent as
        `<@U…|name>` — what choosing them from the composer's autocomplete gives — and a
        typed `#channel` as `<#C…|channel>` ("Escape channels, users, and links sent to your
        app", https://api.slack.com/interactivity/slash-commands#creating_commands)."""
        by_name = {u.name: u.id for u in self.workspace.users.values()}
        text = _TYPED_MENTION.sub(
            lambda m: f"<@{by_name[m[1]]}|{m[1]}>" if m[1] in by_name else m[0], text)
        channels = {c.name: c.id for c in self.workspace.channels.values() if not c.is_im}
        return _TYPED_CHANNEL.sub(
            lambda m: f"<#{channels[m[1]]}|{m[1]}>" if m[1] in channels else m[0], text)

    def slash_command(self, user: str, command: str, text: str = "", *, channel: str
                      ) -> CommandResult:
        """Type `command text` in `channel`. The bot has `deadline` seconds to answer; its
        answer (and what it later POSTs to response_url) is shown to the user."""
        with self.workspace.lock:
            who = self.workspace.user(user)
            where = self.workspace.channel(channel)
            source = {"kind": "command"}
            form = payloads.slash_command(
                team_id=self.workspace.team_id, team_domain=self.workspace.team_domain,
                channel_id=where.id,
                channel_name="directmessage" if where.is_im else where.name,
                user_id=user, user_name=who.name, command=command,
                text=self._escape_mentions(text),
                api_app_id=self.api_app_id,
                response_url=self._new_response_url(user, where.id, source),
                trigger_id=self._new_trigger(user))
        reply = self._post(urlencode(form).encode(), FORM)
        self._record_interaction("slash_command", form, reply)
        with self.workspace.lock:
            if reply.status is None or reply.status != 200:
                error = "operation_timeout" if reply.failure in TIMED_OUT \
                    else "dispatch_failed"
                self.workspace.show_ephemeral(
                    user, where.id, {"text": f'{command} failed with the error "{error}"'},
                    source="slack")
            else:
                body = reply.body
                if isinstance(body, dict) and body.get("response_type") == "in_channel":
                    # Slack shows the command itself in the channel too.
                    self.workspace.append_message(where, {
                        "type": "message", "user": user, "text": f"{command} {text}".strip()})
                shown = self._show(user, where.id, body, source="command_response")
                if shown is not None:
                    source["ts"] = shown["ts"]
        return CommandResult(reply.status or 0, reply.body, reply.elapsed,
                             reply.failure in TIMED_OUT, reply.failure, form)

    # -- Events API ------------------------------------------------------------------------
    def deliver_event(self, event: dict[str, Any], *, event_id: str | None = None
                      ) -> DeliveryResult:
        """Wrap `event` in an event_callback envelope, sign it and deliver it with Slack's
        retries. Pass an `event_id` already used to replay a delivery."""
        envelope = payloads.event_callback(
            team_id=self.workspace.team_id, api_app_id=self.api_app_id,
            bot_user_id=self.bot_user_id, event=event,
            event_id=event_id or payloads.new_event_id())
        result = deliver(self._post, envelope, tuple(self.retry_delays), time.sleep)
        with self.workspace.lock:
            self.workspace.deliveries.append(result)
        return result

    def queue_event(self, event: dict[str, Any]) -> None:
        """An event caused by a Web API call; delivered after the call, on another thread,
        if the app subscribes to its type (`emu.subscribe(...)`)."""
        connected = self.request_url or self.transport == "socket"  # type: ignore[attr-defined]
        if event.get("type") in self.subscriptions and connected:
            self._queued.append(event)  # type: ignore[attr-defined]

    def _flush_events(self) -> None:
        with self.workspace.lock:
            events, self._queued[:] = list(self._queued), []  # type: ignore[attr-defined]
        if events:
            threading.Thread(target=lambda: [self.deliver_event(e) for e in events],
                             name="slack-emulator-events", daemon=True).start()

    def react(self, user: str, channel: str, ts: str, name: str) -> DeliveryResult:
        """`user` adds reaction `name` to a message: state changes, reaction_added is sent."""
        return self._reaction(user, channel, ts, name, added=True)

    def unreact(self, user: str, channel: str, ts: str, name: str) -> DeliveryResult:
        return self._reaction(user, channel, ts, name, added=False)

    def _reaction(self, user: str, channel: str, ts: str, name: str, *, added: bool
                  ) -> DeliveryResult:
        with self.workspace.lock:
            self.workspace.user(user)
            target = self.workspace.channel(channel)
            message = self.workspace.message(target, ts)
            if added:
                self.workspace.add_reaction(message, user, name)
            else:
                self.workspace.remove_reaction(message, user, name)
            event = {"type": "reaction_added" if added else "reaction_removed", "user": user,
                     "reaction": name, "item_user": message.get("user"),
                     "item": {"type": "message", "channel": target.id, "ts": ts},
                     "event_ts": f"{time.time():.6f}"}
            self.last_event = event
        return self.deliver_event(event)

    def send_message(self, user: str, channel: str, text: str, *,
                     thread_ts: str | None = None) -> DeliveryResult:
        """`user` types a message; the bot gets a `message` event."""
        with self.workspace.lock:
            target = self.workspace.channel(channel)
            if user not in target.members:
                raise SlackError("not_in_channel")
            message = {"type": "message", "user": user, "text": text,
                       "team": self.workspace.team_id,
                       "blocks": [{"type": "rich_text", "block_id": secrets.token_hex(3),
                                   "elements": [{"type": "rich_text_section", "elements": [
                                       {"type": "text", "text": text}]}]}]}
            if thread_ts:
                message["thread_ts"] = thread_ts
            self.workspace.append_message(target, message)
            event = {**copy.deepcopy(message), "channel": target.id,
                     "channel_type": target.channel_type, "event_ts": message["ts"]}
            self.last_event = event
        return self.deliver_event(event)

    def join_channel(self, user: str, channel: str) -> DeliveryResult:
        """`user` joins a channel; the bot gets member_joined_channel."""
        with self.workspace.lock:
            target = self.workspace.channel(channel)
            self.workspace.user(user)
            if user in target.members:
                raise SlackError("already_in_channel")
            target.members.append(user)
            event = {"type": "member_joined_channel", "user": user, "channel": target.id,
                     "channel_type": "G" if target.is_private else "C",
                     "team": self.workspace.team_id, "event_ts": f"{time.time():.6f}"}
        return self.deliver_event(event)

    def open_home(self, user: str) -> DeliveryResult:
        """`user` opens the app's Home tab: app_home_opened."""
        with self.workspace.lock:
            dm = self.workspace.im_with(user).id
            home = self.workspace.home.get(user)
            event = {"type": "app_home_opened", "user": user, "channel": dm, "tab": "home",
                     "event_ts": f"{time.time():.6f}"}
            if home:
                event["view"] = copy.deepcopy(home)
        return self.deliver_event(event)

    def change_time_zone(self, user: str, tz: str) -> DeliveryResult:
        """`user` moves to zone `tz` in their profile: Slack sends user_change."""
        with self.workspace.lock:
            person = self.workspace.user(user)
            person.tz = tz
            event = {"type": "user_change", "user": person.to_slack(self.workspace.team_id),
                     "event_ts": f"{time.time():.6f}", "cache_ts": int(time.time())}
        return self.deliver_event(event)

    def change_locale(self, user: str, locale: str) -> DeliveryResult:
        """`user` switches Slack's language: Slack sends user_change, whose user object has
        no `locale` (only users.info / users.list with include_locale carry it)."""
        with self.workspace.lock:
            person = self.workspace.user(user)
            person.locale = locale
            event = {"type": "user_change", "user": person.to_slack(self.workspace.team_id),
                     "event_ts": f"{time.time():.6f}", "cache_ts": int(time.time())}
        return self.deliver_event(event)

    def change_usergroup_members(self, group: str, users: list[str]) -> DeliveryResult:
        """An admin sets the members of user group `group`: Slack sends
        subteam_members_changed with who was added and who removed."""
        with self.workspace.lock:
            for user in users:
                self.workspace.user(user)
            found = self.workspace.usergroups.get(group)
            if found is None:
                raise KeyError(f"no user group {group}")
            before, after = list(found["users"]), list(dict.fromkeys(users))
            found["users"] = after
            previous, now = found.get("date_update", 0), int(time.time())
            found["date_update"] = now
            added = [u for u in after if u not in before]
            removed = [u for u in before if u not in after]
            event = {"type": "subteam_members_changed", "subteam_id": group,
                     "team_id": self.workspace.team_id, "date_previous_update": previous,
                     "date_update": now, "added_users": added,
                     "added_users_count": str(len(added)), "removed_users": removed,
                     "removed_users_count": str(len(removed)),
                     "event_ts": f"{time.time():.6f}"}
        return self.deliver_event(event)

    # -- interactivity ---------------------------------------------------------------------
    def _interact(self, kind: str, payload: dict[str, Any]) -> CommandResult:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        reply = self._post(body, FORM)
        self._record_interaction(kind, payload, reply)
        return CommandResult(reply.status or 0, reply.body, reply.elapsed,
                             reply.failure in TIMED_OUT, reply.failure, payload)

    def message_shortcut(self, user: str, channel: str, ts: str, callback_id: str
                         ) -> CommandResult:
        """`user` picks the app's message shortcut `callback_id` from a message's menu: a
        `message_action` payload with the full message, its channel, a trigger_id and a
        response_url (https://api.slack.com/reference/interaction-payloads/shortcuts)."""
        with self.workspace.lock:
            who = self.workspace.user(user)
            target = self.workspace.channel(channel)
            if user not in target.members and not target.is_im:
                raise SlackError("not_in_channel")  # people see the menus of their channels
            message = copy.deepcopy(self.workspace.message(target, ts))
            message.pop("reactions", None)
            source = {"kind": "shortcut", "ts": ts}
            payload = {
                "type": "message_action", "callback_id": callback_id,
                "user": payloads.user_ref(who, self.workspace.team_id),
                "api_app_id": self.api_app_id, "token": payloads.VERIFICATION_TOKEN,
                "team": {"id": self.workspace.team_id, "domain": self.workspace.team_domain},
                "channel": {"id": target.id,
                            "name": "directmessage" if target.is_im else target.name},
                "message": message, "message_ts": ts,
                "trigger_id": self._new_trigger(user),
                "response_url": self._new_response_url(user, target.id, source),
                "action_ts": f"{time.time():.6f}", "is_enterprise_install": False,
                "enterprise": None,
            }
        return self._interact("message_action", payload)

    def click(self, user: str, channel: str, ts: str, action_id: str, value: Any = None,
              block_id: str | None = None) -> CommandResult:
        """`user` clicks (or picks `value` in) the element `action_id` of a message — a
        channel message, or an ephemeral one shown to `user` — sending block_actions."""
        with self.workspace.lock:
            who = self.workspace.user(user)
            target = self.workspace.channel(channel)
            ephemeral = None
            try:
                message = copy.deepcopy(self.workspace.message(target, ts))
            except SlackError:
                ephemeral = next((e for e in self.workspace.ephemerals if e["ts"] == ts
                                  and e["user"] == user and e["channel"] == target.id), None)
                if ephemeral is None:
                    raise
                message = copy.deepcopy(ephemeral)
            element, found_block = payloads.find_element(message.get("blocks") or [], action_id)
            if element is None:
                raise AssertionError(f"no element with action_id {action_id!r} in message {ts}"
                                     f" (blocks: {json.dumps(message.get('blocks'))[:500]})")
            source = {"kind": "message", "ts": ts, "ephemeral": ephemeral is not None}
            payload = {
                "type": "block_actions", "user": payloads.user_ref(who, self.workspace.team_id),
                "api_app_id": self.api_app_id, "token": payloads.VERIFICATION_TOKEN,
                "container": {"type": "message", "message_ts": ts, "channel_id": target.id,
                              "is_ephemeral": ephemeral is not None},
                "trigger_id": self._new_trigger(user),
                "team": {"id": self.workspace.team_id, "domain": self.workspace.team_domain},
                "enterprise": None, "is_enterprise_install": False,
                "channel": {"id": target.id,
                            "name": "directmessage" if target.is_im else target.name},
                "state": {"values": {}},
                "response_url": self._new_response_url(user, target.id, source),
                "actions": [payloads.action(element, block_id or found_block, value)],
            }
            if ephemeral is None:
                payload["message"] = message
        return self._interact("block_actions", payload)

    def click_in_view(self, user: str, view_id: str, action_id: str, value: Any = None,
                      block_id: str | None = None) -> CommandResult:
        """block_actions from an element in an open modal or the Home tab."""
        with self.workspace.lock:
            who = self.workspace.user(user)
            view = copy.deepcopy(self._view(user, view_id))
            element, found_block = payloads.find_element(view.get("blocks") or [], action_id)
            if element is None:
                raise AssertionError(f"no element with action_id {action_id!r} in view {view_id}")
            payload = {
                "type": "block_actions", "user": payloads.user_ref(who, self.workspace.team_id),
                "api_app_id": self.api_app_id, "token": payloads.VERIFICATION_TOKEN,
                "container": {"type": "view", "view_id": view_id},
                "trigger_id": self._new_trigger(user),
                "team": {"id": self.workspace.team_id, "domain": self.workspace.team_domain},
                "enterprise": None, "is_enterprise_install": False, "view": view,
                "actions": [payloads.action(element, block_id or found_block, value)],
            }
        return self._interact("block_actions", payload)

    def _view(self, user: str, view_id: str) -> dict[str, Any]:
        view = self.workspace.views.get(view_id)
        if view is None or self.workspace.view_users.get(view_id) != user:
            raise AssertionError(f"no view {view_id} shown to {user}")
        return view

    def submit_view(self, user: str, view_id: str, values: dict[str, dict[str, Any]] | None = None
                    ) -> CommandResult:
        """`user` fills in `values` ({block_id: {action_id: value}}) and presses Submit. The
        modal then follows the bot's answer: `errors` keeps it open, `update` replaces it,
        `push` adds one, `clear` closes all; an empty 200 closes this view."""
        with self.workspace.lock:
            who = self.workspace.user(user)
            view = self._view(user, view_id)
            view["state"] = {"values": payloads.state_values(view, values or {})}
            payload = {
                "type": "view_submission",
                "team": {"id": self.workspace.team_id, "domain": self.workspace.team_domain},
                "user": payloads.user_ref(who, self.workspace.team_id),
                "api_app_id": self.api_app_id, "token": payloads.VERIFICATION_TOKEN,
                "trigger_id": self._new_trigger(user), "view": copy.deepcopy(view),
                "response_urls": [], "is_enterprise_install": False, "enterprise": None,
            }
        result = self._interact("view_submission", payload)
        if result.status == 200:
            self._follow_view_answer(user, view_id, result.body)
        return result

    def _follow_view_answer(self, user: str, view_id: str, body: Any) -> None:
        answer = body if isinstance(body, dict) else {}
        action = answer.get("response_action")
        with self.workspace.lock:
            stack = self.workspace.stacks.get(user, [])
            if action == "errors":
                self.workspace.views[view_id]["errors"] = answer.get("errors", {})
                return
            if action in ("update", "push"):
                new = answer.get("view")
                errors = check_view(new)
                if errors:
                    self.workspace.views[view_id]["errors"] = {"response_action": errors}
                    return
                if action == "update":
                    self._api.build_view(new, user, view_id=view_id)  # type: ignore[attr-defined]
                else:
                    self._api.push_modal(new, user)  # type: ignore[attr-defined]
                return
            closing = list(stack) if action == "clear" else [view_id]
            for closed in closing:
                if closed in stack:
                    stack.remove(closed)
                self.workspace.views.pop(closed, None)

    def close_view(self, user: str, view_id: str) -> CommandResult | None:
        """`user` closes a modal; view_closed is sent if the view asked (notify_on_close)."""
        with self.workspace.lock:
            who = self.workspace.user(user)
            view = copy.deepcopy(self._view(user, view_id))
            stack = self.workspace.stacks.get(user, [])
            closing = list(stack) if view.get("clear_on_close") else [view_id]
            for closed in closing:
                if closed in stack:
                    stack.remove(closed)
                self.workspace.views.pop(closed, None)
            payload = {
                "type": "view_closed",
                "team": {"id": self.workspace.team_id, "domain": self.workspace.team_domain},
                "user": payloads.user_ref(who, self.workspace.team_id),
                "api_app_id": self.api_app_id, "token": payloads.VERIFICATION_TOKEN,
                "view": view, "is_cleared": len(closing) > 1, "is_enterprise_install": False,
                "enterprise": None,
            }
        if not view.get("notify_on_close"):
            return None
        return self._interact("view_closed", payload)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"

"""The Slack Web API methods the bot uses, with Slack's documented error codes.

Checked against the method pages on api.slack.com (conversations.create: name_taken,
invalid_name_specials, invalid_name_maxlength, invalid_name_required; conversations.invite:
already_in_channel, user_not_found, cant_invite_self, is_archived; chat.postMessage:
channel_not_found, is_archived, not_in_channel, no_text; chat.update: message_not_found,
cant_update_message; reactions.add: already_reacted, invalid_name; views.open:
invalid_trigger_id / expired_trigger_id)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.sandbox.emulator.state import (
    CHANNEL_NAME, REACTION_NAME, Channel, SlackError, Workspace)

if TYPE_CHECKING:
    from bot.sandbox.emulator.emulator import SlackEmulator

Params = dict[str, Any]
TRIGGER_LIFETIME = 3.0


def _json_field(value: Any) -> Any:
    """slack_sdk sends blocks/view either as JSON values or as JSON strings in a form."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise SlackError("invalid_arguments") from None
    return value


def _bool(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes")


class WebApi:
    def __init__(self, emulator: SlackEmulator) -> None:
        self.emu = emulator
        self.ws: Workspace = emulator.workspace
        self.methods: dict[str, Callable[[Params], dict[str, Any]]] = {
            name.replace("__", "."): getattr(self, name)
            for name in dir(self) if "__" in name and not name.startswith("_")
        }

    @property
    def bot(self) -> str:
        return self.emu.bot_user_id

    def _writable(self, channel: Channel) -> None:
        if channel.is_archived:
            raise SlackError("is_archived")
        if channel.is_private and not channel.is_im and self.bot not in channel.members:
            raise SlackError("not_in_channel")

    # -- auth / team -----------------------------------------------------------------------
    def auth__test(self, p: Params) -> dict[str, Any]:
        return {"url": f"https://{self.ws.team_domain}.slack.com/", "team": self.ws.team_domain,
                "user": "swarmbot", "team_id": self.ws.team_id, "user_id": self.bot,
                "bot_id": "B00000001", "is_enterprise_install": False}

    def team__info(self, p: Params) -> dict[str, Any]:
        return {"team": {"id": self.ws.team_id, "name": self.ws.team_domain,
                         "domain": self.ws.team_domain}}

    # -- users -----------------------------------------------------------------------------
    def users__info(self, p: Params) -> dict[str, Any]:
        return {"user": self.ws.user(p.get("user", "")).to_slack(self.ws.team_id)}

    def users__list(self, p: Params) -> dict[str, Any]:
        return {"members": [u.to_slack(self.ws.team_id) for u in self.ws.users.values()],
                "response_metadata": {"next_cursor": ""}}

    def users__lookupByEmail(self, p: Params) -> dict[str, Any]:
        email = str(p.get("email", "")).lower()
        for user in self.ws.users.values():
            if user.email.lower() == email and not user.deleted:
                return {"user": user.to_slack(self.ws.team_id)}
        raise SlackError("users_not_found")

    def users__getPresence(self, p: Params) -> dict[str, Any]:
        user = self.ws.user(p.get("user", ""))
        return {"presence": user.presence, "online": user.presence == "active"}

    def users__profile__get(self, p: Params) -> dict[str, Any]:
        user = self.ws.user(p.get("user") or self.bot)
        return {"profile": user.to_slack(self.ws.team_id)["profile"]}

    # -- conversations ---------------------------------------------------------------------
    def conversations__create(self, p: Params) -> dict[str, Any]:
        name = str(p.get("name", ""))
        if not name:
            raise SlackError("invalid_name_required")
        if len(name) > 80:
            raise SlackError("invalid_name_maxlength")
        if not CHANNEL_NAME.match(name):
            raise SlackError("invalid_name_specials")
        if any(c.name == name and not c.is_im for c in self.ws.channels.values()):
            raise SlackError("name_taken")
        channel = Channel(id=self.ws.new_id("G" if _bool(p.get("is_private")) else "C"),
                          name=name, is_private=_bool(p.get("is_private")), creator=self.bot,
                          members=[self.bot])
        self.ws.channels[channel.id] = channel
        return {"channel": channel.to_slack()}

    def conversations__invite(self, p: Params) -> dict[str, Any]:
        channel = self.ws.channel(p.get("channel", ""))
        if channel.is_archived:
            raise SlackError("is_archived")
        if channel.is_private and self.bot not in channel.members:
            raise SlackError("not_in_channel")
        users = [u.strip() for u in str(p.get("users", "")).split(",") if u.strip()]
        if not users:
            raise SlackError("no_user")
        for user_id in users:
            if user_id == self.bot:
                raise SlackError("cant_invite_self")
            user = self.ws.user(user_id)
            if user.deleted:
                raise SlackError("user_is_restricted")
        new = [u for u in users if u not in channel.members]
        if not new:
            raise SlackError("already_in_channel")
        channel.members.extend(new)
        return {"channel": channel.to_slack()}

    def conversations__kick(self, p: Params) -> dict[str, Any]:
        channel = self.ws.channel(p.get("channel", ""))
        user = p.get("user", "")
        if user not in channel.members:
            raise SlackError("not_in_channel")
        channel.members.remove(user)
        return {}

    def conversations__join(self, p: Params) -> dict[str, Any]:
        channel = self.ws.channel(p.get("channel", ""))
        if channel.is_archived:
            raise SlackError("is_archived")
        if channel.is_private:
            raise SlackError("method_not_supported_for_channel_type")
        if self.bot not in channel.members:
            channel.members.append(self.bot)
        return {"channel": channel.to_slack()}

    def conversations__setTopic(self, p: Params) -> dict[str, Any]:
        channel = self.ws.channel(p.get("channel", ""))
        self._writable(channel)
        if self.bot not in channel.members:
            raise SlackError("not_in_channel")
        channel.topic = str(p.get("topic", ""))[:250]
        return {"channel": channel.to_slack()}

    def conversations__setPurpose(self, p: Params) -> dict[str, Any]:
        channel = self.ws.channel(p.get("channel", ""))
        self._writable(channel)
        channel.purpose = str(p.get("purpose", ""))[:250]
        return {"channel": channel.to_slack()}

    def conversations__archive(self, p: Params) -> dict[str, Any]:
        channel = self.ws.channel(p.get("channel", ""))
        if channel.is_archived:
            raise SlackError("already_archived")
        if channel.is_im or channel.name == "general":
            raise SlackError("cant_archive_general" if channel.name == "general"
                             else "method_not_supported_for_channel_type")
        channel.is_archived = True
        return {}

    def conversations__unarchive(self, p: Params) -> dict[str, Any]:
        channel = self.ws.channel(p.get("channel", ""))
        if not channel.is_archived:
            raise SlackError("not_archived")
        channel.is_archived = False
        return {}

    def conversations__info(self, p: Params) -> dict[str, Any]:
        return {"channel": self.ws.channel(p.get("channel", "")).to_slack()}

    def conversations__members(self, p: Params) -> dict[str, Any]:
        channel = self.ws.channel(p.get("channel", ""))
        return {"members": list(channel.members), "response_metadata": {"next_cursor": ""}}

    def conversations__list(self, p: Params) -> dict[str, Any]:
        types = set(str(p.get("types") or "public_channel").split(","))
        exclude_archived = _bool(p.get("exclude_archived"))
        selected = []
        for channel in self.ws.channels.values():
            kind = ("im" if channel.is_im else "private_channel" if channel.is_private
                    else "public_channel")
            if kind not in types or (exclude_archived and channel.is_archived):
                continue
            if kind == "private_channel" and self.bot not in channel.members:
                continue
            selected.append(channel.to_slack())
        limit = max(1, min(int(p.get("limit") or 100), 1000))
        start = int(p.get("cursor") or 0)
        page = selected[start:start + limit]
        more = start + limit < len(selected)
        return {"channels": page,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def conversations__history(self, p: Params) -> dict[str, Any]:
        channel = self.ws.channel(p.get("channel", ""))
        limit = max(1, min(int(p.get("limit") or 100), 1000))
        top = [m for m in channel.messages if m.get("thread_ts") in (None, m["ts"])]
        newest_first = list(reversed(top))[:limit]
        return {"messages": newest_first, "has_more": len(top) > limit}

    def conversations__replies(self, p: Params) -> dict[str, Any]:
        channel = self.ws.channel(p.get("channel", ""))
        ts = p.get("ts", "")
        self.ws.message(channel, ts)
        thread = [m for m in channel.messages if m["ts"] == ts or m.get("thread_ts") == ts]
        return {"messages": thread, "has_more": False}

    def conversations__open(self, p: Params) -> dict[str, Any]:
        users = [u.strip() for u in str(p.get("users", "")).split(",") if u.strip()]
        if len(users) != 1:
            raise SlackError("not_supported" if users else "users_list_not_supplied")
        user = self.ws.user(users[0])
        if user.is_bot:
            raise SlackError("cannot_dm_bot")
        return {"channel": {"id": self.ws.im_with(user.id).id}}

    # -- chat ------------------------------------------------------------------------------
    def chat__postMessage(self, p: Params) -> dict[str, Any]:
        channel = self.ws.channel(p.get("channel", ""))
        self._writable(channel)
        text, blocks = p.get("text") or "", _json_field(p.get("blocks")) or None
        if not text and not blocks and not p.get("attachments"):
            raise SlackError("no_text")
        self.emu.limits.check_message(channel.id)
        message = {"type": "message", "user": self.bot, "bot_id": "B00000001", "text": text,
                   "ts": self.ws.new_ts(), "team": self.ws.team_id}
        if blocks:
            message["blocks"] = blocks
        if p.get("thread_ts"):
            self.ws.message(channel, p["thread_ts"])
            message["thread_ts"] = p["thread_ts"]
        if p.get("metadata"):
            message["metadata"] = _json_field(p["metadata"])
        channel.messages.append(message)
        return {"channel": channel.id, "ts": message["ts"], "message": dict(message)}

    def chat__update(self, p: Params) -> dict[str, Any]:
        channel = self.ws.channel(p.get("channel", ""))
        message = self.ws.message(channel, p.get("ts", ""))
        if message.get("user") != self.bot:
            raise SlackError("cant_update_message")
        if channel.is_archived:
            raise SlackError("is_archived")
        if "text" in p:
            message["text"] = p.get("text") or ""
        if "blocks" in p:
            message["blocks"] = _json_field(p.get("blocks")) or []
        message["edited"] = {"user": self.bot, "ts": self.ws.new_ts()}
        return {"channel": channel.id, "ts": message["ts"], "text": message["text"]}

    def chat__postEphemeral(self, p: Params) -> dict[str, Any]:
        channel = self.ws.channel(p.get("channel", ""))
        user = self.ws.user(p.get("user", ""))
        if channel.is_archived:
            raise SlackError("is_archived")
        if not channel.is_im and user.id not in channel.members:
            raise SlackError("user_not_in_channel")
        text, blocks = p.get("text") or "", _json_field(p.get("blocks")) or None
        if not text and not blocks:
            raise SlackError("no_text")
        ts = self.ws.new_ts()
        self.ws.ephemerals.append({"user": user.id, "channel": channel.id, "text": text,
                                   "blocks": blocks, "ts": ts, "source": "chat.postEphemeral"})
        return {"message_ts": ts}

    def chat__getPermalink(self, p: Params) -> dict[str, Any]:
        channel = self.ws.channel(p.get("channel", ""))
        ts = p.get("message_ts", "")
        self.ws.message(channel, ts)
        return {"channel": channel.id, "permalink":
                f"https://{self.ws.team_domain}.slack.com/archives/{channel.id}/p{ts.replace('.', '')}"}

    # -- reactions -------------------------------------------------------------------------
    def reactions__add(self, p: Params) -> dict[str, Any]:
        channel = self.ws.channel(p.get("channel", ""))
        name = str(p.get("name", ""))
        if not REACTION_NAME.match(name):
            raise SlackError("invalid_name")
        message = self.ws.message(channel, p.get("timestamp", ""))
        self.emu.add_reaction(message, self.bot, name)
        return {}

    def reactions__remove(self, p: Params) -> dict[str, Any]:
        channel = self.ws.channel(p.get("channel", ""))
        message = self.ws.message(channel, p.get("timestamp", ""))
        self.emu.remove_reaction(message, self.bot, str(p.get("name", "")))
        return {}

    def reactions__get(self, p: Params) -> dict[str, Any]:
        channel = self.ws.channel(p.get("channel", ""))
        message = self.ws.message(channel, p.get("timestamp", ""))
        return {"type": "message", "channel": channel.id, "message": dict(message)}

    # -- views -----------------------------------------------------------------------------
    def _take_trigger(self, trigger_id: str) -> str:
        entry = self.ws.triggers.pop(trigger_id, None)
        if entry is None:
            raise SlackError("invalid_trigger_id")
        issued, user = entry
        if time.monotonic() - issued > TRIGGER_LIFETIME:
            raise SlackError("expired_trigger_id")
        return user

    def _store_view(self, view: Any, user: str, *, view_id: str | None = None) -> dict[str, Any]:
        view = _json_field(view)
        if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
            raise SlackError("invalid_arguments")
        stored = {**view, "id": view_id or self.ws.new_id("V"), "team_id": self.ws.team_id,
                  "user": user, "state": {"values": {}}, "hash": str(time.time_ns()),
                  "private_metadata": view.get("private_metadata", ""),
                  "callback_id": view.get("callback_id", "")}
        self.ws.views[stored["id"]] = stored
        return stored

    def views__open(self, p: Params) -> dict[str, Any]:
        user = self._take_trigger(str(p.get("trigger_id", "")))
        return {"view": self._store_view(p.get("view"), user)}

    def views__push(self, p: Params) -> dict[str, Any]:
        user = self._take_trigger(str(p.get("trigger_id", "")))
        return {"view": self._store_view(p.get("view"), user)}

    def views__update(self, p: Params) -> dict[str, Any]:
        view_id = str(p.get("view_id", ""))
        old = self.ws.views.get(view_id)
        if old is None:
            raise SlackError("not_found")
        return {"view": self._store_view(p.get("view"), old["user"], view_id=view_id)}

    def views__publish(self, p: Params) -> dict[str, Any]:
        user = self.ws.user(p.get("user_id", ""))
        view = self._store_view(p.get("view"), user.id)
        if view.get("type") != "home":
            raise SlackError("invalid_arguments")
        self.ws.home[user.id] = view
        return {"view": view}

    # -- user groups -----------------------------------------------------------------------
    def usergroups__list(self, p: Params) -> dict[str, Any]:
        return {"usergroups": list(self.emu.usergroups.values())}

    def usergroups__users__list(self, p: Params) -> dict[str, Any]:
        group = self.emu.usergroups.get(str(p.get("usergroup", "")))
        if group is None:
            raise SlackError("no_such_subteam")
        return {"users": list(group["users"])}

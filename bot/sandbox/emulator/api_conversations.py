"""conversations.* with the errors their reference pages list
(https://api.slack.com/methods/conversations.create, .invite, .kick, .join, .setTopic,
.setPurpose, .archive, .unarchive, .info, .members, .list, .history, .replies, .open)."""

from __future__ import annotations

import copy
import time

from bot.sandbox.emulator.api_base import (
    ApiBase,
    Params,
    Result,
    bool_arg,
    id_list,
    int_arg,
    page,
)
from bot.sandbox.emulator.state import Channel, SlackError

MAX_NAME = 80
MAX_TOPIC = 250


def check_channel_name(name: object, *, ascii_only: bool = False) -> str:
    """conversations.create's name rules: lowercase letters, digits, hyphens and underscores,
    at most 80 characters (https://docs.slack.dev/reference/methods/conversations.create,
    "Naming"). invalid_name_required (empty), invalid_name_maxlength (> 80),
    invalid_name_specials ("unallowed special characters or upper case characters"),
    invalid_name_punctuation ("contained only punctuation"), invalid_name (not a string).
    Non-ASCII lowercase letters are allowed, as Slack allows them in channel names: its help
    centre lists Japanese among them ("チャンネル名は80文字まで、日本語、英字 (小文字)、数字、
    ハイフン、アンダーバーが使えます", https://slack.com/intl/ja-jp/help/articles/201402297).
    `ascii_only`: a workspace that refuses them (invalid_name_specials)."""
    if name is None or name == "":
        raise SlackError("invalid_name_required")
    if not isinstance(name, str):
        raise SlackError("invalid_name")
    if len(name) > MAX_NAME:
        raise SlackError("invalid_name_maxlength")
    for char in name:
        ascii_ok = char.isascii() and (char.islower() or char.isdigit() or char in "-_")
        other_ok = (not ascii_only and not char.isascii() and char.isalpha()
                    and not char.isupper())
        if not (ascii_ok or other_ok):
            raise SlackError("invalid_name_specials")
    if not any(c.isalnum() for c in name):
        raise SlackError("invalid_name_punctuation")
    return name


class ConversationsApi(ApiBase):
    def _member_event(self, kind: str, channel: Channel, user: str) -> None:
        self.emit({"type": kind, "user": user, "channel": channel.id,
                   "channel_type": "G" if channel.is_private else "C",
                   "team": self.ws.team_id, "event_ts": f"{time.time():.6f}",
                   **({"inviter": self.bot} if kind == "member_joined_channel"
                      and user != self.bot else {})})

    def conversations__create(self, p: Params) -> Result:
        name = check_channel_name(p.get("name"), ascii_only=self.ws.ascii_channel_names)
        if any(c.name == name and not c.is_im for c in self.ws.channels.values()):
            raise SlackError("name_taken")  # archived channels keep their names
        private = bool_arg(p.get("is_private"))
        channel = Channel(id=self.ws.new_id("G" if private else "C"), name=name,
                          is_private=private, creator=self.bot, members=[self.bot])
        self.ws.channels[channel.id] = channel
        return {"channel": channel.to_slack(self.bot)}

    def conversations__invite(self, p: Params) -> Result:
        channel = self.ws.channel_by_id(p.get("channel"))
        if channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise SlackError("is_archived")
        if self.bot not in channel.members:
            raise SlackError("not_in_channel")
        users = id_list(p.get("users"))
        if not users:
            raise SlackError("no_user")
        if len(users) > 1000:
            raise SlackError("too_many_users")
        errors, valid = [], []
        for user_id in users:
            code = ("cant_invite_self" if user_id == self.bot
                    else "user_not_found" if user_id not in self.ws.users
                    or self.ws.users[user_id].deleted
                    else "already_in_channel" if user_id in channel.members else None)
            if code:
                errors.append({"user": user_id, "ok": False, "error": code})
            elif user_id not in valid:
                valid.append(user_id)
        if errors and not bool_arg(p.get("force")):
            # The whole call fails, naming each user's problem in `errors`.
            raise SlackError(errors[0]["error"], errors=errors)
        for user_id in valid:
            channel.members.append(user_id)
            self._member_event("member_joined_channel", channel, user_id)
        return {"channel": channel.to_slack(self.bot), **({"errors": errors} if errors else {})}

    def conversations__kick(self, p: Params) -> Result:
        channel = self.visible(p.get("channel"))
        user = str(p.get("user") or "")
        if channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        if user == self.bot:
            raise SlackError("cant_kick_self")
        if channel.name == "general":
            raise SlackError("cant_kick_from_general")
        self.ws.user(user)
        if user not in channel.members:
            raise SlackError("not_in_channel")
        channel.members.remove(user)
        self._member_event("member_left_channel", channel, user)
        return {}

    def conversations__join(self, p: Params) -> Result:
        channel = self.ws.channel_by_id(p.get("channel"))
        if channel.is_im or channel.is_private:
            raise SlackError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise SlackError("is_archived")
        if self.bot in channel.members:
            return {"channel": channel.to_slack(self.bot), "warning": "already_in_channel",
                    "response_metadata": {"warnings": ["already_in_channel"]}}
        channel.members.append(self.bot)
        self._member_event("member_joined_channel", channel, self.bot)
        return {"channel": channel.to_slack(self.bot)}

    def _settable(self, p: Params, key: str) -> tuple[Channel, str]:
        channel = self.writable(p.get("channel"))
        if not channel.is_im and self.bot not in channel.members:
            raise SlackError("not_in_channel")
        value = str(p.get(key) or "")
        if len(value) > MAX_TOPIC:
            raise SlackError("too_long")
        return channel, value

    def conversations__setTopic(self, p: Params) -> Result:
        channel, channel.topic = self._settable(p, "topic")
        return {"channel": channel.to_slack(self.bot)}

    def conversations__setPurpose(self, p: Params) -> Result:
        channel, channel.purpose = self._settable(p, "purpose")
        return {"channel": channel.to_slack(self.bot)}

    def conversations__archive(self, p: Params) -> Result:
        channel = self.visible(p.get("channel"))
        if channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        if channel.name == "general":
            raise SlackError("cant_archive_general")
        if channel.is_archived:
            raise SlackError("already_archived")
        channel.is_archived = True
        return {}

    def conversations__unarchive(self, p: Params) -> Result:
        channel = self.visible(p.get("channel"))
        if not channel.is_archived:
            raise SlackError("not_archived")
        channel.is_archived = False
        return {}

    def conversations__info(self, p: Params) -> Result:
        return {"channel": self.visible(p.get("channel")).to_slack(self.bot)}

    def conversations__members(self, p: Params) -> Result:
        members, cursor = page(self.visible(p.get("channel")).members, p)
        return {"members": list(members), "response_metadata": {"next_cursor": cursor}}

    def conversations__list(self, p: Params) -> Result:
        types = set(id_list(p.get("types") or "public_channel"))
        exclude_archived = bool_arg(p.get("exclude_archived"))
        selected = [c.to_slack(self.bot) for c in self.ws.channels.values()
                    if c.kind in types and not (exclude_archived and c.is_archived)
                    and not (c.is_private and not c.is_im and self.bot not in c.members)]
        channels, cursor = page(selected, p)
        return {"channels": channels, "response_metadata": {"next_cursor": cursor}}

    def conversations__history(self, p: Params) -> Result:
        """Newest first; thread replies only when broadcast; oldest/latest/inclusive as
        https://api.slack.com/methods/conversations.history describes."""
        channel = self.visible(p.get("channel"))
        oldest, latest = float(p.get("oldest") or 0), float(p.get("latest") or "inf")
        inclusive = bool_arg(p.get("inclusive"))
        top = [m for m in channel.messages
               if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"]
        chosen = [m for m in reversed(top)
                  if (oldest <= float(m["ts"]) <= latest if inclusive
                      else oldest < float(m["ts"]) < latest)]
        limit = int_arg(p.get("limit"), 100, 1, 999)
        shown, cursor = page(chosen, {**p, "limit": limit}, high=999)
        return {"messages": copy.deepcopy(shown), "has_more": bool(cursor),
                "pin_count": 0, "response_metadata": {"next_cursor": cursor}}

    def conversations__replies(self, p: Params) -> Result:
        channel = self.visible(p.get("channel"))
        ts = str(p.get("ts") or "")
        try:
            parent = self.ws.message(channel, ts)
        except SlackError:
            raise SlackError("thread_not_found") from None
        root = parent.get("thread_ts") or parent["ts"]
        thread = [m for m in channel.messages if m["ts"] == root or m.get("thread_ts") == root]
        shown, cursor = page(thread, p)
        return {"messages": copy.deepcopy(shown), "has_more": bool(cursor),
                "response_metadata": {"next_cursor": cursor}}

    def conversations__open(self, p: Params) -> Result:
        if p.get("channel"):
            channel = self.ws.channel_by_id(p["channel"])
            return {"channel": channel.to_slack(self.bot) if bool_arg(p.get("return_im"))
                    else {"id": channel.id}}
        users = id_list(p.get("users"))
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) > 1:
            raise SlackError("not_supported")  # group DMs are not emulated
        user = self.ws.user(users[0])
        if user.is_bot:
            raise SlackError("cannot_dm_bot")
        existed = any(c.is_im and c.im_user == user.id for c in self.ws.channels.values())
        channel = self.ws.im_with(user.id)
        body = {"channel": channel.to_slack(self.bot) if bool_arg(p.get("return_im"))
                else {"id": channel.id}}
        return {**({"no_op": True, "already_open": True} if existed else {}), **body}

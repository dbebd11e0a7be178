"""The emulated workspace: users, channels, messages, views, ephemerals, triggers and
response URLs. Thread-safe by convention: every read and write holds `Workspace.lock`, and
nothing holds it while calling the bot."""

from __future__ import annotations

import copy
import itertools
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BOT_ID = "B00000001"  # the app's bot id (`bot_id` on its messages, auth.test's bot_id)


class SlackError(Exception):
    """A Web API error: answered as {"ok": false, "error": code, ...} with HTTP 200, as
    Slack does (https://api.slack.com/web#evaluating_responses)."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


def _tz_offset(tz: str) -> int:
    try:
        offset = ZoneInfo(tz).utcoffset(datetime.now(UTC).replace(tzinfo=None))
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset else 0


@dataclass
class User:
    id: str
    name: str
    real_name: str
    email: str
    tz: str = "UTC"
    # The language the person set in Slack; users.info shows it only with include_locale
    locale: str = "en-US"
    is_admin: bool = False
    is_bot: bool = False
    deleted: bool = False
    presence: str = "active"

    def to_slack(self, team_id: str, *, include_locale: bool = False) -> dict[str, Any]:
        """A user object (https://api.slack.com/types/user). `locale` only when asked:
        users.info / users.list `include_locale` — "Set this to true to receive the locale
        for this user. Defaults to false" (https://api.slack.com/methods/users.info)."""
        profile = {"real_name": self.real_name, "real_name_normalized": self.real_name,
                   "display_name": self.name, "display_name_normalized": self.name,
                   "email": self.email, "team": team_id, "status_text": "", "status_emoji": "",
                   "image_48": f"https://example.invalid/avatars/{self.id}_48.png"}
        if self.is_bot:
            profile.update(bot_id=BOT_ID, always_active=True)
            profile.pop("email")
        user = {"id": self.id, "team_id": team_id, "name": self.name, "deleted": self.deleted,
                "real_name": self.real_name, "tz": self.tz, "tz_label": self.tz,
                "tz_offset": _tz_offset(self.tz), "is_admin": self.is_admin,
                "is_owner": False, "is_primary_owner": False, "is_restricted": False,
                "is_ultra_restricted": False, "is_bot": self.is_bot, "is_app_user": False,
                "updated": int(time.time()), "profile": profile}
        if include_locale:
            user["locale"] = self.locale
        return user


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    members: list[str] = field(default_factory=list)
    topic: str = ""
    purpose: str = ""
    is_archived: bool = False
    created: int = field(default_factory=lambda: int(time.time()))
    creator: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    bookmarks: list[dict[str, Any]] = field(default_factory=list)  # bookmarks.add, in order

    @property
    def kind(self) -> str:
        return "im" if self.is_im else "private_channel" if self.is_private else "public_channel"

    @property
    def channel_type(self) -> str:
        """`channel_type` as message events carry it."""
        return "im" if self.is_im else "group" if self.is_private else "channel"

    def to_slack(self, viewer: str) -> dict[str, Any]:
        """A conversation object (https://api.slack.com/types/conversation)."""
        base = {"id": self.id, "created": self.created, "is_archived": self.is_archived,
                "is_im": self.is_im, "is_mpim": False, "is_private": self.is_private or self.is_im,
                "is_org_shared": False, "is_ext_shared": False, "is_shared": False,
                "context_team_id": None}
        if self.is_im:
            return {**base, "user": self.im_user, "is_user_deleted": False, "is_open": True}
        return {**base, "name": self.name, "name_normalized": self.name,
                "is_channel": not self.is_private, "is_group": self.is_private,
                "is_general": self.name == "general", "creator": self.creator,
                "is_member": viewer in self.members, "num_members": len(self.members),
                "unlinked": 0, "previous_names": [],
                "topic": {"value": self.topic, "creator": self.creator if self.topic else "",
                          "last_set": 0},
                "purpose": {"value": self.purpose,
                            "creator": self.creator if self.purpose else "", "last_set": 0}}

    def snapshot(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "topic": self.topic, "purpose": self.purpose,
                "members": list(self.members), "is_private": self.is_private,
                "is_im": self.is_im, "im_user": self.im_user, "is_archived": self.is_archived,
                "created_by": self.creator, "created": self.created,
                "messages": copy.deepcopy(self.messages),
                "bookmarks": copy.deepcopy(self.bookmarks)}


@dataclass
class Trigger:
    """A trigger_id: valid for 3 seconds, exchangeable once
    (https://api.slack.com/interactivity/handling#modal_responses)."""
    user: str
    issued: float
    used: bool = False


@dataclass
class ResponseUrl:
    """A response_url: up to 5 uses within 30 minutes
    (https://api.slack.com/interactivity/handling#message_responses). `source` says what a
    `replace_original`/`delete_original` acts on."""
    user: str
    channel: str
    expires: float
    source: dict[str, Any]
    uses: int = 0


class Workspace:
    """All state of the emulated workspace. Callers hold `lock` around every use."""

    def __init__(self, team_id: str, team_domain: str) -> None:
        self.lock = threading.RLock()
        self.team_id, self.team_domain = team_id, team_domain
        # A workspace whose conversations.create takes ASCII channel names only (the API
        # reference's "lowercase letters" read strictly); Slack's own rule takes Japanese.
        self.ascii_channel_names = False
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}       # open modals and home tabs by id
        self.view_users: dict[str, str] = {}             # view id → the user it is shown to
        self.stacks: dict[str, list[str]] = {}           # user → modal view ids, bottom first
        self.home: dict[str, dict[str, Any]] = {}        # user → published home view
        self.triggers: dict[str, Trigger] = {}
        self.responses: dict[str, ResponseUrl] = {}
        self.usergroups: dict[str, dict[str, Any]] = {}
        self.calls: list[dict[str, Any]] = []
        self.deliveries: list[Any] = []                  # DeliveryResult of every event sent
        self.interactions: list[dict[str, Any]] = []     # what users sent and the bot answered
        self._ids = itertools.count(1)
        self._last_ts_us = 0

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def new_ts(self) -> str:
        """Slack's message ts: "seconds.microseconds", unique and increasing per workspace."""
        now_us = time.time_ns() // 1000
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    # -- lookups ---------------------------------------------------------------------------
    def user(self, user_id: Any) -> User:
        user = self.users.get(str(user_id or ""))
        if user is None:
            raise SlackError("user_not_found")
        return user

    def channel(self, ref: Any) -> Channel:
        """By id, by a user id (the bot's DM with that user, as chat.postMessage allows), or
        by name (for test helpers; the Web API methods want ids)."""
        ref = str(ref or "")
        if not ref:
            raise SlackError("channel_not_found")
        channel = self.channels.get(ref)
        if channel is None and ref[:1] in ("U", "W") and ref in self.users:
            channel = self.im_with(ref)
        if channel is None:
            name = ref.lstrip("#")
            channel = next((c for c in self.channels.values() if c.name == name and not c.is_im),
                           None)
        if channel is None:
            raise SlackError("channel_not_found")
        return channel

    def channel_by_id(self, ref: Any) -> Channel:
        """What the Web API accepts: a conversation id, or a user id meaning the DM."""
        ref = str(ref or "")
        if ref in self.channels:
            return self.channels[ref]
        if ref[:1] in ("U", "W") and ref in self.users:
            return self.im_with(ref)
        raise SlackError("channel_not_found")

    def im_with(self, user_id: str) -> Channel:
        for channel in self.channels.values():
            if channel.is_im and channel.im_user == user_id:
                return channel
        channel = Channel(id=self.new_id("D"), name=user_id, is_im=True, im_user=user_id,
                          members=[user_id])
        self.channels[channel.id] = channel
        return channel

    def message(self, channel: Channel, ts: Any) -> dict[str, Any]:
        for message in channel.messages:
            if message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    # -- messages and reactions ------------------------------------------------------------
    def append_message(self, channel: Channel, message: dict[str, Any]) -> dict[str, Any]:
        """Add a message; a reply updates its parent's thread fields as Slack shows them
        (https://api.slack.com/messaging/retrieving#finding_threads)."""
        message.setdefault("ts", self.new_ts())
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            parent = self.message(channel, thread_ts)
            parent["thread_ts"] = parent["ts"]
            replies = [m for m in channel.messages
                       if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts] + [message]
            users = list(dict.fromkeys(m.get("user") for m in replies if m.get("user")))
            parent.update(reply_count=len(replies), reply_users=users[:5],
                          reply_users_count=len(users), latest_reply=message["ts"])
            message["parent_user_id"] = parent.get("user")
        channel.messages.append(message)
        return message

    @staticmethod
    def add_reaction(message: dict[str, Any], user: str, name: str) -> None:
        reactions = message.setdefault("reactions", [])
        entry = next((r for r in reactions if r["name"] == name), None)
        if entry is None:
            entry = {"name": name, "users": [], "count": 0}
            reactions.append(entry)
        if user in entry["users"]:
            raise SlackError("already_reacted")
        entry["users"].append(user)
        entry["count"] = len(entry["users"])

    @staticmethod
    def remove_reaction(message: dict[str, Any], user: str, name: str) -> None:
        for entry in message.get("reactions", []):
            if entry["name"] == name and user in entry["users"]:
                entry["users"].remove(user)
                entry["count"] = len(entry["users"])
                if not entry["users"]:
                    message["reactions"].remove(entry)
                if not message["reactions"]:
                    del message["reactions"]
                return
        raise SlackError("no_reaction")

    def show_ephemeral(self, user: str, channel: str, content: dict[str, Any], *, source: str
                       ) -> dict[str, Any]:
        entry = {"type": "message", "subtype": "ephemeral", "user": user, "channel": channel,
                 "text": content.get("text") or "", "blocks": content.get("blocks"),
                 "ts": self.new_ts(), "source": source}
        if content.get("thread_ts"):
            entry["thread_ts"] = content["thread_ts"]
        self.ephemerals.append(entry)
        return entry

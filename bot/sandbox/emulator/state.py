"""The emulated workspace: users, channels, messages, views, ephemerals. Thread-safe: every
read and write holds one lock, and never while calling out."""

from __future__ import annotations

import copy
import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

# Slack's channel-name rules: lowercase letters, digits, hyphens and underscores, ≤ 80 chars
# (https://api.slack.com/methods/conversations.create — invalid_name_* errors).
CHANNEL_NAME = re.compile(r"^[a-z0-9_\-\u00c0-\uffff]+$")
REACTION_NAME = re.compile(r"^[a-z0-9_+\-']+(::skin-tone-[2-6])?$")


class SlackError(Exception):
    """A Web API error: answered as {"ok": false, "error": code} with HTTP 200, like Slack."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


@dataclass
class User:
    id: str
    name: str
    real_name: str
    email: str
    tz: str
    is_admin: bool = False
    is_bot: bool = False
    deleted: bool = False
    presence: str = "active"

    def to_slack(self, team_id: str) -> dict[str, Any]:
        offset = int(ZoneInfo(self.tz).utcoffset(_now_dt()).total_seconds()) if self.tz else 0
        return {
            "id": self.id, "team_id": team_id, "name": self.name, "deleted": self.deleted,
            "real_name": self.real_name, "tz": self.tz, "tz_label": self.tz, "tz_offset": offset,
            "is_admin": self.is_admin, "is_owner": False, "is_bot": self.is_bot,
            "is_app_user": False, "updated": int(time.time()),
            "profile": {"real_name": self.real_name, "display_name": self.name,
                        "email": self.email, "real_name_normalized": self.real_name,
                        "display_name_normalized": self.name, "team": team_id},
        }


def _now_dt():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(tzinfo=None)


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

    def to_slack(self) -> dict[str, Any]:
        base = {"id": self.id, "created": self.created, "is_archived": self.is_archived,
                "is_im": self.is_im, "is_private": self.is_private or self.is_im,
                "is_org_shared": False, "is_ext_shared": False}
        if self.is_im:
            return {**base, "user": self.im_user, "is_user_deleted": False}
        return {**base, "name": self.name, "name_normalized": self.name,
                "is_channel": not self.is_private, "is_group": self.is_private,
                "is_general": self.name == "general", "creator": self.creator,
                "is_member": True, "num_members": len(self.members),
                "topic": {"value": self.topic, "creator": self.creator, "last_set": 0},
                "purpose": {"value": self.purpose, "creator": self.creator, "last_set": 0}}

    def snapshot(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "topic": self.topic, "purpose": self.purpose,
                "members": list(self.members), "is_private": self.is_private,
                "is_im": self.is_im, "is_archived": self.is_archived,
                "created_by": self.creator, "created": self.created,
                "messages": copy.deepcopy(self.messages)}


class Workspace:
    """All state of the emulated workspace."""

    def __init__(self, team_id: str, team_domain: str) -> None:
        self.lock = threading.RLock()
        self.team_id, self.team_domain = team_id, team_domain
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.home: dict[str, dict[str, Any]] = {}
        self.triggers: dict[str, tuple[float, str]] = {}
        self.calls: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)
        self._ts_base = int(time.time())

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def new_ts(self) -> str:
        return f"{self._ts_base}.{next(self._ts):06d}"

    # -- lookups (call with the lock held) -------------------------------------------------
    def user(self, user_id: str) -> User:
        user = self.users.get(user_id)
        if user is None:
            raise SlackError("user_not_found")
        return user

    def channel(self, ref: str) -> Channel:
        if not ref:
            raise SlackError("channel_not_found")
        channel = self.channels.get(ref)
        if channel is None and ref.startswith(("U", "W")) and ref in self.users:
            channel = self.im_with(ref)
        if channel is None:
            name = ref.lstrip("#")
            channel = next((c for c in self.channels.values() if c.name == name and not c.is_im),
                           None)
        if channel is None:
            raise SlackError("channel_not_found")
        return channel

    def im_with(self, user_id: str) -> Channel:
        for channel in self.channels.values():
            if channel.is_im and channel.im_user == user_id:
                return channel
        channel = Channel(id=self.new_id("D"), name=user_id, is_im=True, im_user=user_id,
                          members=[user_id])
        self.channels[channel.id] = channel
        return channel

    def message(self, channel: Channel, ts: str) -> dict[str, Any]:
        for message in channel.messages:
            if message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

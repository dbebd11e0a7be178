"""Who reads an effect's words, and so in which language they are made: the one person a
direct message, an ephemeral note, an App Home or a hand-off is for reads in their Slack
locale (users.info include_locale, remembered on the expert); a channel reads the
workspace's SWARMBOT_LANGUAGE — so does a person whose locale Slack has not told yet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.i18n import language_of
from bot.services.effects import Effect
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork

# Effects always for one person, named by the payload's `user`.
_PERSONAL = frozenset({Effect.EPHEMERAL, Effect.PUBLISH_HOME, Effect.HAND_OFF,
                       Effect.SYNC_PROFILE})
_INVITES = frozenset({Effect.SEND_INVITE, Effect.UPDATE_INVITE, Effect.INVITE_HINTS})


@dataclass(frozen=True)
class Worded:
    """A prepared plan and the language its words were made in (send makes any more words
    in the same one)."""

    plan: Any
    language: str


def _is_person(channel: Any) -> bool:
    """A post to a user id is a direct message (chat.postMessage opens the DM)."""
    return isinstance(channel, str) and channel[:1] in ("U", "W")


def reader(kind: str, message: OutboxMessage, uow: UnitOfWork) -> str | None:
    """The one person who reads this effect's words, or None for a channel."""
    payload = message.payload or {}
    if kind in _PERSONAL or (kind == Effect.APPROVAL_REQUEST and payload.get("user")):
        return payload.get("user") or None
    if kind in _INVITES and payload.get("invite_id") is not None:
        invite = uow.invites.get(int(payload["invite_id"]))
        return invite.expert_id if invite is not None else None
    if kind == Effect.POST and _is_person(payload.get("channel")):
        return str(payload["channel"])
    if kind == Effect.DELIVERY_FAILED and payload.get("case_id") is not None:
        case = uow.cases.get(int(payload["case_id"]))
        return case.owner_id if case is not None else None
    return None


def person_language(uow: UnitOfWork, user: str | None, fallback: str) -> str:
    """The language `user` reads swarmbot in: their Slack locale, else `fallback`."""
    expert = uow.experts.get(user) if user else None
    return language_of(expert.locale if expert is not None else None, fallback)


def reader_language(kind: str, message: OutboxMessage, uow: UnitOfWork, channel: str) -> str:
    return person_language(uow, reader(kind, message, uow), channel)

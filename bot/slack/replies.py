"""What a use case's result says to the person who asked: each typed result a service
returns (a small frozen dataclass) becomes its sentence here, at the edge — so the words can
follow the reader (their language, later) without the use cases knowing about Slack.

Domain errors are not results: they stay exceptions, rendered by bot/slack/errors.py. Text a
person typed is escaped (bot/domain/mrkdwn.escape) where it enters markup."""

from __future__ import annotations

from functools import singledispatch

from bot.services.escalation import Acknowledged, AlreadyAcknowledged, LevelMoved


@singledispatch
def reply(result: object) -> str:
    """The sentence for `result`."""
    raise TypeError(f"no reply for {type(result).__name__}")


def _person(user: str | None) -> str:
    return f"<@{user}>" if user else "someone"


# -- escalation ---------------------------------------------------------------------------
@reply.register
def _(result: LevelMoved) -> str:
    verb = "escalated" if result.up else "moved down"
    return f"Case {result.reference} {verb} {result.previous} → {result.level}."


@reply.register
def _(result: Acknowledged) -> str:
    return f"You acknowledged case {result.reference} at {result.level}."


@reply.register
def _(result: AlreadyAcknowledged) -> str:
    return (f"Case {result.reference} was already acknowledged at {result.level} by "
            f"{_person(result.by)}.")

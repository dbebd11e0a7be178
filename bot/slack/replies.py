"""What a use case's result says to the person who asked: each typed result a service
returns (a small frozen dataclass) becomes its sentence here, at the edge — so the words can
follow the reader (their language, later) without the use cases knowing about Slack.

Domain errors are not results: they stay exceptions, rendered by bot/slack/errors.py. Text a
person typed is escaped (bot/domain/mrkdwn.escape) where it enters markup."""

from __future__ import annotations

from functools import singledispatch

from bot.services.cases import CaseClaimed, CaseHandedOver, CaseOpened, SeverityChanged
from bot.services.escalation import Acknowledged, AlreadyAcknowledged, LevelMoved


@singledispatch
def reply(result: object) -> str:
    """The sentence for `result`."""
    raise TypeError(f"no reply for {type(result).__name__}")


def _person(user: str | None) -> str:
    return f"<@{user}>" if user else "someone"


# -- cases ----------------------------------------------------------------------------------
@reply.register
def _(result: CaseOpened) -> str:
    if not result.created:
        return (f"You declared this a moment ago: case {result.reference} is open already, "
                "nothing new was created.")
    swarm = " Recommended experts are being invited." if result.swarm else ""
    return (f":rotating_light: Case {result.reference} declared; you own it. Its channel is "
            f"being created and you'll be added to it.{swarm}")


@reply.register
def _(result: CaseClaimed) -> str:
    if result.already:
        return f"You already own case {result.reference}."
    return f"You own case {result.reference} now."


@reply.register
def _(result: CaseHandedOver) -> str:
    return f"<@{result.owner}> owns case {result.reference} now."


@reply.register
def _(result: SeverityChanged) -> str:
    if result.already:
        return f"Case {result.reference} is already {result.severity}."
    return f"Case {result.reference} is {result.severity} now."


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

"""The case feed: what happens to cases, POSTed to another tool (a ticketing system, a status
page, a data pipeline) at SWARMBOT_CASE_FEED_URL — two-way integration with the tools that
open cases through /hooks/cases. Each event is recorded in the outbox in the transaction that
put it on the timeline, so none is lost, and each is sent in order per case, at least once
(the receiver drops repeats by `event_id`)."""

from __future__ import annotations

from typing import Any

from bot.domain.privacy import text_for, title_for
from bot.domain.states import TimelineKind
from bot.domain.timeline import describe
from bot.services.effects import Effect
from models.case import Case, TimelineEvent
from models.uow import UnitOfWork

FEED_KINDS = frozenset({
    TimelineKind.DECLARED, TimelineKind.CLAIMED, TimelineKind.OWNER_CHANGED,
    TimelineKind.SEVERITY_CHANGED, TimelineKind.MODE_CHANGED, TimelineKind.STATUS_UPDATE,
    TimelineKind.LEVEL_SET, TimelineKind.ESCALATED, TimelineKind.DEESCALATED,
    TimelineKind.ACKNOWLEDGED, TimelineKind.SLA_BREACHED, TimelineKind.INVITE_ACCEPTED,
    TimelineKind.RESOLVED, TimelineKind.RESOLUTION_CONFIRMED, TimelineKind.REOPENED,
})


def on_event(uow: UnitOfWork, event: TimelineEvent) -> None:
    """UnitOfWork hook: queue the events other tools care about."""
    if event.kind in FEED_KINDS:
        uow.outbox.enqueue(f"case_feed:{event.case_id}:{event.seq}", Effect.CASE_FEED,
                           {"case_id": event.case_id, "seq": event.seq}, case_id=event.case_id)


def feed_item(case: Case, event: TimelineEvent) -> dict[str, Any]:
    """The JSON a receiver gets. A private case's title and event texts stay in Slack (the
    receiver is outside every case)."""
    private = bool(case.is_private)
    return {
        "event_id": f"{case.id}:{event.seq}",
        "type": f"case.{event.kind}",
        "at": event.at.isoformat(),
        "actor": event.actor,
        "text": text_for(case, None, describe(event, typed=str, stored=str)),  # JSON, as typed
        "case": {
            "id": case.id, "reference": case.reference,
            "title": title_for(case, None),
            "severity": case.severity, "status": case.status, "mode": case.mode,
            "level": case.level, "service": case.service or None, "owner": case.owner_id,
            "channel": case.channel_id, "source": case.source,
            "external_id": case.external_id, "private": private,
        },
    }

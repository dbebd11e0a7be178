"""Loading cases and their timelines for the metrics (bot/domain/metrics.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from bot.domain.metrics import CaseMeasures, CaseRecord, Event, measure
from bot.services.context import ServiceContext
from models.case import Case, TimelineEvent
from models.uow import UnitOfWork


def case_records(uow: UnitOfWork, *, since: datetime | None = None,
                 until: datetime | None = None) -> list[CaseRecord]:
    """Cases created in [since, until), each with its whole timeline."""
    stmt = select(Case).order_by(Case.id)
    if since is not None:
        stmt = stmt.where(Case.created_at >= since)
    if until is not None:
        stmt = stmt.where(Case.created_at < until)
    cases = uow.session.scalars(stmt).all()
    events: dict[int, list[Event]] = {c.id: [] for c in cases}
    if cases:
        rows = uow.session.execute(
            select(TimelineEvent.case_id, TimelineEvent.at, TimelineEvent.kind,
                   TimelineEvent.actor, TimelineEvent.data)
            .where(TimelineEvent.case_id.in_(list(events))).order_by(TimelineEvent.seq))
        for case_id, at, kind, actor, data in rows:
            events[case_id].append(Event(at, kind, actor, data or {}))
    return [CaseRecord(c.id, c.severity, c.service, c.mode, c.status, c.level, c.created_at,
                       tuple(events[c.id])) for c in cases]


def measures(ctx: ServiceContext, *, since: datetime | None = None,
             until: datetime | None = None) -> Sequence[CaseMeasures]:
    with ctx.uow().reading() as uow:
        return [measure(record) for record in case_records(uow, since=since, until=until)]

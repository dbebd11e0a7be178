"""Checking the audit trail: every case's timeline chain, recomputed from the database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.services.context import ServiceContext
from models.audit import Break, verify_chain
from models.case import Case, TimelineEvent


@dataclass(frozen=True)
class AuditReport:
    cases: int
    events: int
    breaks: list[tuple[str, Break]]  # (case reference, where its chain breaks)

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify_timelines(ctx: ServiceContext) -> AuditReport:
    with ctx.uow().reading() as uow:
        references = dict(uow.session.execute(select(Case.id, Case.title)).all())
        events: dict[int, list[TimelineEvent]] = {case_id: [] for case_id in references}
        for event in uow.session.scalars(select(TimelineEvent).order_by(
                TimelineEvent.case_id, TimelineEvent.seq, TimelineEvent.id)):
            events.setdefault(event.case_id, []).append(event)
        breaks = []
        for case_id, chain in sorted(events.items()):
            broken = verify_chain(case_id, chain)
            if broken is not None:
                breaks.append((f"#{case_id:04d}", broken))
        return AuditReport(len(events), sum(map(len, events.values())), breaks)

"""Checking the audit trail: every case's timeline chain, recomputed from the database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.services.context import ServiceContext
from models.audit import DECISIVE, Break, verify_chain, verify_record
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
        records = {row.id: row._asdict() for row in uow.session.execute(
            select(Case.id, *(getattr(Case, name) for name in DECISIVE)))}
        events: dict[int, list[TimelineEvent]] = {case_id: [] for case_id in records}
        for event in uow.session.scalars(select(TimelineEvent).order_by(
                TimelineEvent.case_id, TimelineEvent.seq, TimelineEvent.id)):
            events.setdefault(event.case_id, []).append(event)
        breaks = []
        for case_id, chain in sorted(events.items()):
            broken = verify_chain(case_id, chain)
            if broken is None and case_id in records:  # the chain holds: does the record?
                broken = verify_record(case_id, records[case_id], chain)
            if broken is not None:
                breaks.append((f"#{case_id:04d}", broken))
        return AuditReport(len(events), sum(map(len, events.values())), breaks)

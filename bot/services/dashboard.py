"""What the managers' dashboard shows: open cases with their next deadline, the MTTR trend,
swarm vs tiered, and who carries how many open cases. Read-only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.delivery.backlog import Backlog, backlog
from bot.domain.metrics import Summary, summarize, summarize_by
from bot.domain.privacy import title_for
from bot.domain.states import CaseMode, CaseStatus
from bot.services.context import ServiceContext
from bot.services.metrics import measures
from models.case import Case, Participant
from models.expertise import Expert
from models.scheduling import Timer, TimerKind, TimerState


@dataclass(frozen=True)
class OpenCase:
    case_id: int
    reference: str
    title: str  # redacted for private cases
    severity: str
    mode: str
    level: str | None
    owner: str
    opened_at: datetime
    deadline: datetime | None  # the next SLA deadline (tiered) or status update due (swarm)
    deadline_kind: str


def open_cases(ctx: ServiceContext) -> list[OpenCase]:
    with ctx.uow().reading() as uow:
        cases = uow.session.scalars(select(Case).where(Case.status == CaseStatus.OPEN)
                                    .order_by(Case.severity, Case.created_at)).all()
        ids = [c.id for c in cases]
        timers = uow.session.scalars(select(Timer).where(
            Timer.case_id.in_(ids), Timer.state == TimerState.PENDING,
            Timer.kind.in_([TimerKind.SLA, TimerKind.STATUS_REMINDER]))
            .order_by(Timer.due_at)).all() if ids else []
        names = _names(uow.session, [c.owner_id for c in cases if c.owner_id])
        next_due: dict[int, tuple[datetime, str]] = {}
        for timer in timers:
            if timer.kind == TimerKind.SLA and timer.payload.get("stage") != "breach":
                continue
            kind = (f"{timer.payload.get('sla')} SLA" if timer.kind == TimerKind.SLA
                    else "status update")
            if timer.case_id is not None and timer.case_id not in next_due:
                next_due[timer.case_id] = (timer.due_at, kind)
        return [OpenCase(
            case_id=c.id, reference=c.reference,
            title=title_for(c, None), severity=c.severity,
            mode=c.mode, level=c.level,
            owner=names.get(c.owner_id or "", c.owner_id or "unclaimed"), opened_at=c.created_at,
            deadline=next_due.get(c.id, (None, ""))[0],
            deadline_kind=next_due.get(c.id, (None, ""))[1]) for c in cases]


def mttr_trend(ctx: ServiceContext, *, weeks: int = 12) -> list[tuple[str, float | None]]:
    """Mean hours to resolve of the cases opened in each of the last `weeks` weeks."""
    now = ctx.now()
    found = measures(ctx, since=now - timedelta(weeks=weeks))
    by_week = summarize_by(found, "week")
    labels = []
    for back in range(weeks - 1, -1, -1):
        year, week, _ = (now - timedelta(weeks=back)).isocalendar()
        labels.append(f"{year}-W{week:02d}")
    return [(label, _hours(by_week[label]) if label in by_week else None) for label in labels]


def mode_comparison(ctx: ServiceContext, *, since: datetime | None = None
                    ) -> dict[str, Summary]:
    found = measures(ctx, since=since)
    comparison = summarize_by(found, "mode")
    comparison.setdefault(CaseMode.SWARM, summarize([]))
    comparison.setdefault(CaseMode.TIERED, summarize([]))
    return dict(sorted(comparison.items()))


def delivery_backlog(ctx: ServiceContext) -> Backlog:
    """Slack side effects not delivered yet, and those that failed for good."""
    with ctx.uow() as uow:
        return backlog(uow, ctx.now())


def expert_load(ctx: ServiceContext) -> list[tuple[str, int]]:
    """Open cases per person working on them, busiest first."""
    with ctx.uow().reading() as uow:
        rows = uow.session.execute(
            select(Participant.user_id).join(Case, Case.id == Participant.case_id)
            .where(Case.status == CaseStatus.OPEN, Participant.left_at.is_(None))).scalars().all()
        load = Counter(rows)
        names = _names(uow.session, list(load))
    return [(names.get(user, user), n) for user, n in load.most_common(15)]


def _names(session: Session, users: list[str]) -> dict[str, str]:
    if not users:
        return {}
    rows = session.execute(select(Expert.user_id, Expert.handle)
                           .where(Expert.user_id.in_(users)))
    return {user: f"@{handle}" for user, handle in rows if handle}


def _hours(summary: Summary) -> float | None:
    mttr = summary.mean_time_to_resolve
    return None if mttr is None else mttr.total_seconds() / 3600


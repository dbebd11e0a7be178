"""What is waiting to be delivered, and what failed for good — for /healthz, the dashboard and
`swarmbot outbox list|retry`."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from models.repositories import RECORDED_EFFECTS
from models.scheduling import OutboxMessage, OutboxState
from models.uow import UnitOfWork


@dataclass(frozen=True)
class Backlog:
    pending: int            # recorded, not delivered yet
    retrying: int           # of those, failed at least once (Slack down?) and tried again
    oldest_seconds: float   # how long the oldest pending one has waited
    failed: int             # ended for good (a permanent answer from Slack)
    last_error: str | None  # of the most recently retried pending one

    def as_dict(self) -> dict[str, object]:
        return {"pending": self.pending, "retrying": self.retrying,
                "oldest_pending_seconds": round(self.oldest_seconds, 1),
                "failed": self.failed, "last_error": self.last_error}


def backlog(uow: UnitOfWork, now: datetime) -> Backlog:
    M = OutboxMessage
    pending, retrying, oldest = uow.session.execute(
        select(func.count(), func.count().filter(M.attempts > 0), func.min(M.created_at))
        .where(M.state == OutboxState.PENDING)).one()
    failed = uow.session.scalar(select(func.count()).select_from(M)
                                .where(M.state == OutboxState.FAILED))
    last_error = uow.session.scalar(select(M.last_error).where(
        M.state == OutboxState.PENDING, M.attempts > 0).order_by(M.scheduled_at.desc()).limit(1))
    waited = (now - _aware(oldest, now)).total_seconds() if oldest is not None else 0.0
    return Backlog(pending, retrying, max(0.0, waited), failed or 0, last_error)


def listing(uow: UnitOfWork, *, states: Collection[OutboxState] = (OutboxState.PENDING,
                                                                   OutboxState.FAILED),
            limit: int = 100) -> list[OutboxMessage]:
    """Undelivered effects, oldest first."""
    return list(uow.session.scalars(select(OutboxMessage).where(
        OutboxMessage.state.in_(list(states))).order_by(OutboxMessage.id).limit(limit)))


def retry(uow: UnitOfWork, now: datetime, *, ids: Collection[int] = (),
          case_id: int | None = None, all_failed: bool = False) -> list[int]:
    """Deliver these effects again, now: failed ones become pending, pending ones due at
    once. Their attempts are kept (a post first looks for an earlier copy). Returns the ids."""
    M = OutboxMessage
    chosen = select(M.id).where(M.state.in_([OutboxState.PENDING, OutboxState.FAILED]))
    if ids:
        chosen = chosen.where(M.id.in_(list(ids)))
    elif case_id is not None:
        chosen = chosen.where(M.case_id == case_id, M.state == OutboxState.FAILED)
    elif all_failed:
        chosen = chosen.where(M.state == OutboxState.FAILED)
    else:
        return []
    found = sorted(uow.session.scalars(chosen))
    if found:
        uow.session.execute(update(M).where(M.id.in_(found)).values(
            state=OutboxState.PENDING, scheduled_at=now, claimed_until=None, done_at=None))
        uow.session.info[RECORDED_EFFECTS] = True  # the commit wakes the delivery
    return found


def _aware(moment: datetime, like: datetime) -> datetime:
    if moment.tzinfo is None and like.tzinfo is not None:
        return moment.replace(tzinfo=like.tzinfo)
    return moment

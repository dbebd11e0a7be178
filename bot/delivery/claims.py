"""Claiming due effects: the most urgent one, with the rest of its lock's due effects of that
priority, under a lease — one deliverer at a time per lock (a case), in recorded order."""

from __future__ import annotations

import threading
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from models.scheduling import OutboxMessage, OutboxState
from models.uow import UnitOfWork

BATCH = 50  # at most this many effects of one lock in a claim


class InFlight:
    """The effects (and locks) this process's workers are sending right now. The others leave
    them alone even after their lease ran out — a slow Slack (timeouts, Retry-After) can
    outlast a lease, and sending them a second time would post twice."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: set[int] = set()
        self._locks: set[str] = set()

    def snapshot(self) -> tuple[set[int], set[str]]:
        with self._lock:
            return set(self._messages), set(self._locks)

    def hold(self, batch: list[tuple[OutboxMessage, Any]]) -> None:
        with self._lock:
            self._messages.update(m.id for m, _ in batch)
            self._locks.update(m.lock for m, _ in batch if m.lock is not None)

    def release(self, batch: list[tuple[OutboxMessage, Any]]) -> None:
        with self._lock:
            self._messages.difference_update(m.id for m, _ in batch)
            self._locks.difference_update(m.lock for m, _ in batch if m.lock is not None)


def claim_next(uow: UnitOfWork, now: datetime, *, lease_until: datetime,
               max_priority: int | None = None, in_flight: Collection[int] = (),
               locks_in_flight: Collection[str] = ()) -> list[int]:
    """Claim the most urgent due message and, when it has a lock, that lock's other due
    messages of the same priority, in the order to send them. A lock with a message leased
    elsewhere (another worker or process delivering it) waits, so one deliverer at a time
    sends a case's effects and they go out in the order they were recorded.
    `in_flight`, `locks_in_flight`: what this process is sending right now, left alone even
    when its lease ran out (a slow Slack can outlast a lease)."""
    uow.outbox.write_pending()  # what this very transaction recorded is claimable too
    session, M = uow.session, OutboxMessage
    free = or_(M.claimed_until.is_(None), M.claimed_until < now)
    due = (M.state == OutboxState.PENDING, M.scheduled_at <= now, free,
           *((M.id.not_in(list(in_flight)),) if in_flight else ()),
           *((or_(M.lock.is_(None), M.lock.not_in(list(locks_in_flight))),)
             if locks_in_flight else ()))
    urgent = () if max_priority is None else (M.priority <= max_priority,)
    busy = select(M.lock).where(M.state == OutboxState.PENDING, M.lock.is_not(None),
                                M.claimed_until >= now)
    first = session.execute(
        select(M.id, M.lock, M.priority)
        .where(*due, *urgent, or_(M.lock.is_(None), M.lock.not_in(busy)))
        .order_by(M.priority, M.id).limit(1)).first()
    if first is None:
        return []
    one = (M.id == first.id,) if first.lock is None else (
        M.lock == first.lock, M.priority == first.priority)
    leases = dict(session.execute(
        select(M.id, M.claimed_until).where(*due, *one).order_by(M.id).limit(BATCH)).all())
    # Claimed only if still due as the row is updated (a concurrent claim on PostgreSQL
    # waits for the row and then finds it leased).
    claimed = sorted(session.scalars(
        update(M).where(M.id.in_(list(leases)), *due)
        .values(claimed_until=lease_until).returning(M.id)
        .execution_options(synchronize_session=False)))
    cut_short = [message_id for message_id in claimed if leases[message_id] is not None]
    concurrent = session.get_bind().dialect.name != "sqlite"  # SQLite: one writer
    if concurrent and first.lock is not None and claimed and _claimed_before_us(
            session, first.lock, claimed, now):
        session.execute(update(M).where(M.id.in_(claimed)).values(claimed_until=None))
        return []
    _count_cut_short(session, cut_short)
    return claimed


def _claimed_before_us(session: Session, lock: str, ours: list[int], now: datetime) -> bool:
    """Two processes claiming at once (PostgreSQL) can split one lock between them; the one
    not holding the lock's earliest message lets go and tries again after the other."""
    M = OutboxMessage
    return session.scalar(select(func.count()).select_from(M).where(
        M.lock == lock, M.state == OutboxState.PENDING, M.claimed_until >= now, M.id.not_in(ours),
        M.id < min(ours))) > 0


def _count_cut_short(session: Session, message_ids: list[int]) -> None:
    if message_ids:
        session.execute(update(OutboxMessage).where(
            OutboxMessage.id.in_(message_ids)).values(
            attempts=OutboxMessage.attempts + 1,
            last_error="an earlier delivery was cut short (the process stopped)"))

"""Claiming due effects: the most urgent one, with the rest of its lock's due effects of that
priority, under a lease — one deliverer at a time per lock (a case), in recorded order.

An effect waiting for a spent rate-limit budget (`budget.Budget`) is left alone, so the
effects of other Slack methods keep flowing; among those that may go, a sev1's channel and
invites come first, then joins, then edits and refreshes (SPENDING)."""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from bot.services.effects import Effect
from models.scheduling import OutboxMessage, OutboxState
from models.uow import UnitOfWork

BATCH = 50  # at most this many effects of one lock in a claim

# Within a priority, who spends a shared budget first: the channel and invites of a case (and
# what tells people of it), then joins (members added to a channel), then everything else —
# edits of sent messages and refreshes (which coalesce while they wait, queueing_lock).
SPENDING = {Effect.PLAN_SWARM: 0, Effect.CREATE_CHANNEL: 0, Effect.SEND_INVITE: 0,
            Effect.HAND_OFF: 0,
            Effect.ANSWER_EARLY: 0, Effect.DELIVERY_FAILED: 0, Effect.SYNC_MEMBERS: 1}
LATER_SPENDING = 2
# A channel archived or reopened: effects of its case never cross these in either direction
# (a post sent after the archive would fail; one sent before the reopening too).
BARRIERS = frozenset({Effect.ARCHIVE_CHANNEL, Effect.UNARCHIVE_CHANNEL})


@dataclass(frozen=True)
class Waiting:
    """What effects wait for: the keys of the rate-limit budgets that are spent now
    (`Budget.spent`: a subquery, or the keys), and the budget each kind's first call spends."""

    spent: Select[tuple[str]] | list[str]
    first_waits: dict[str, str]

    def held(self) -> ColumnElement[bool]:
        M = OutboxMessage
        first = case(self.first_waits, value=M.kind, else_=None) if self.first_waits else None
        waits = M.waits_for if first is None else func.coalesce(M.waits_for, first)
        if isinstance(self.spent, list) and not self.spent:
            return false()
        return and_(waits.is_not(None), waits.in_(self.spent))


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
               locks_in_flight: Collection[str] = (), waiting: Waiting | None = None
               ) -> list[int]:
    """Claim the most urgent due message and, when it has a lock, that lock's other due
    messages of the same priority, in the order to send them. A lock with a message leased
    elsewhere (another worker or process delivering it) waits, so one deliverer at a time
    sends a case's effects and they go out in the order they were recorded.
    `in_flight`, `locks_in_flight`: what this process is sending right now, left alone even
    when its lease ran out (a slow Slack can outlast a lease). `waiting`: effects waiting for
    a spent budget are skipped (their lock's others may go, but never across a BARRIER)."""
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
    free_to_go = () if waiting is None else (~waiting.held(),)
    spending = case(SPENDING, value=M.kind, else_=LATER_SPENDING)
    first = session.execute(
        select(M.id, M.lock, M.priority)
        .where(*due, *urgent, *free_to_go, or_(M.lock.is_(None), M.lock.not_in(busy)))
        .order_by(M.priority, spending, M.id).limit(1)).first()
    if first is None:
        return []
    one = (M.id == first.id,) if first.lock is None else (
        M.lock == first.lock, M.priority == first.priority)
    if waiting is None:
        leases = dict(session.execute(
            select(M.id, M.claimed_until).where(*due, *one).order_by(M.id).limit(BATCH)).all())
    else:
        leases = _up_to_barrier(session.execute(
            select(M.id, M.claimed_until, M.kind, waiting.held().label("held"))
            .where(*due, *one).order_by(M.id).limit(BATCH)).all())
        if not leases:
            return []
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


def _up_to_barrier(rows: list[Any]) -> dict[int, datetime | None]:
    """A lock's due effects in order, less those waiting for a spent budget — but not past a
    channel's archive or reopening once one before it waits, nor past one that waits."""
    chosen: dict[int, datetime | None] = {}
    skipped = False
    for row in rows:
        if row.kind in BARRIERS and (skipped or row.held):
            break
        if row.held:
            skipped = True
            continue
        chosen[row.id] = row.claimed_until
    return chosen


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

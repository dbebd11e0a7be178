"""Slack's rate limits as a budget every process spends from, in the database (a row per
limit, `models.scheduling.SlackBudget`), rather than a wall each waiting effect knocks on.

A call takes its limit's row under the row lock (SQLite: the one writer) and goes while fewer
than the limit's calls were made in its window (a sliding window, as Slack counts "per
minute": a burst may go at once, the rest as the window slides). A call that must wait is not
made: the effect is held (`Later` with `waits_for`) and the outbox claim skips effects waiting
for a spent budget until it has room again, so one limit held back holds back only its own
effects.

When Slack answers 429 anyway (another app of the workspace, a limit lower than documented)
the limit is learned down (multiplied by LEARN_DOWN) and held for the Retry-After; it creeps
back up by RECOVERY of the documented limit a minute without another 429 (additive increase,
multiplicative decrease).

A limit of a `family` (chat.postMessage: one a second per channel, "short bursts" allowed of a
length Slack does not document) starts at the burst it hopes for, and a refused burst teaches
the family — every channel — the burst Slack took (the calls it accepted in that window, at
most LEARN_DOWN of the hope), at the same average rate: one channel's 429 spares the others'.

On SQLite (one web process) the windows live in the process's memory instead.

Why not a limiter library: `limits` keeps its counters in memory, Redis, Memcached or MongoDB,
not in the bot's database; pyrate-limiter's SQL buckets (SQLite, PostgreSQL) keep a table per
bucket with a row per call, opened through connections of their own beside SQLAlchemy's (on
SQLite, a second writer), with rates fixed when the bucket is made (nothing to learn down, the
same in every process only if every process rebuilds it) and no way for the outbox claim to ask
in SQL which limits are spent now."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from models.base import utcnow
from models.repositories import insert_ignoring_conflict, locked
from models.scheduling import SlackBudget

LEARN_DOWN = 0.8          # a 429 anyway: the limit times this
RECOVERY = 0.05           # of the documented limit, regained per minute without a 429
EARLY = timedelta(milliseconds=50)  # a call this close to its turn goes now
KEPT, QUIET = 1000, timedelta(minutes=10)  # in memory: past KEPT windows, drop quiet ones


@dataclass(frozen=True)
class Limit:
    """One rate limit: its budget's key, and `calls` allowed in any `seconds`. A limit of a
    `family` (one channel's posts) is learned for the whole family: a burst of fewer calls in
    proportionally fewer seconds (the same average rate)."""

    key: str
    calls: float
    seconds: float
    family: str | None = None

    def window(self, allowed: float) -> float:
        """The window's seconds when `allowed` calls may go in it."""
        if self.family is None:
            return self.seconds
        return self.seconds * max(1, int(allowed)) / self.calls


def allowed_now(documented: float, learned: float, learned_at: datetime | None,
                now: datetime) -> float:
    """The calls a window allows now: the learned number, regained towards the documented
    one by RECOVERY of it a minute since the last 429."""
    if learned_at is None or learned >= documented:
        return documented
    minutes = max(0.0, (now - learned_at).total_seconds() / 60)
    return min(documented, learned + documented * RECOVERY * minutes)


def turn(calls: list[float], allowed: float, seconds: float, now: float) -> float:
    """When (epoch seconds) the next call may go, given the times of the calls made in the
    window: now while fewer than `allowed` were made, else when enough left the window."""
    room = max(1, int(allowed))
    recent = [t for t in calls if t > now - seconds]
    if len(recent) < room:
        return now
    return recent[len(recent) - room] + seconds


@dataclass
class Window:
    """One limit's window in this process's memory (SlackBudget's twin, for SQLite)."""

    key: str
    allowed: float
    calls: list[float]
    next_at: datetime
    held_until: datetime | None = None
    learned_at: datetime | None = None


class Budget:
    """The budgets, spent through short transactions of their own on PostgreSQL (shared by
    every process) — and in memory on SQLite, whose one web process is the bot (a budget row
    there would make every Slack call queue for SQLite's one writer with the slash commands).
    `clock` is Slack's time (the real one: a test's hand-moved service clock does not move
    Slack's windows)."""

    def __init__(self, session_factory: sessionmaker[Session], *,
                 first_waits: Mapping[str, str] | None = None,
                 clock: Callable[[], datetime] = utcnow, shared: bool | None = None) -> None:
        self._sessions, self.clock = session_factory, clock
        # effect kind → the limit its first call spends (the outbox claim holds back a new
        # effect of a spent limit before it is tried once)
        self.first_waits = dict(first_waits or {})
        bind = session_factory.kw.get("bind")
        self.shared = shared if shared is not None else (
            bind is None or bind.dialect.name != "sqlite")
        self._lock = threading.Lock()
        self._windows: dict[str, Window] = {}

    def take(self, limit: Limit) -> float:
        """Spend one call of `limit` now: 0.0 when it may go, otherwise the seconds until its
        turn (nothing spent)."""
        now = self.clock()
        at = now.timestamp()
        with self._window(limit, now) as budget:
            allowed = allowed_now(limit.calls, budget.allowed, budget.learned_at, now)
            if allowed >= limit.calls and budget.learned_at is not None:
                budget.allowed, budget.learned_at = limit.calls, None
            if limit.family is not None:
                allowed = min(allowed, self._family_allows(limit, budget, now))
            seconds = limit.window(allowed)
            recent = [t for t in budget.calls if t > at - seconds]
            wait = max(turn(recent, allowed, seconds, at) - at,
                       ((budget.held_until or now) - now).total_seconds())
            if wait > EARLY.total_seconds():
                budget.next_at = now + timedelta(seconds=wait)
                return wait
            recent.append(at)
            budget.calls = recent
            budget.next_at = _moment(turn(recent, allowed, seconds, at))
            return 0.0

    def refused(self, limit: Limit, retry_after: float) -> None:
        """Slack answered 429: hold the limit for `retry_after` and learn it down — a
        family's limit: the family learns the burst Slack took before refusing (none taken:
        the refusal was not about the burst, the limit is only held)."""
        now = self.clock()
        accepted = 0
        with self._window(limit, now) as budget:
            if limit.family is None:
                allowed = allowed_now(limit.calls, budget.allowed, budget.learned_at, now)
                budget.allowed = max(1.0, allowed * LEARN_DOWN)
                budget.learned_at = now
            else:  # the calls of the window before the refused one (the last spent)
                seconds = limit.window(self._family_allows(limit, budget, now))
                accepted = len([t for t in budget.calls
                                if t > now.timestamp() - seconds]) - 1
            budget.held_until = max(budget.held_until or now,
                                    now + timedelta(seconds=retry_after))
            budget.next_at = max(budget.next_at, budget.held_until)
        if limit.family is not None and accepted > 0:
            with self._window(Limit(limit.family, limit.calls, limit.seconds), now) as family:
                allowed = allowed_now(limit.calls, family.allowed, family.learned_at, now)
                family.allowed = max(1.0, min(allowed * LEARN_DOWN, accepted))
                family.learned_at = now

    def _family_allows(self, limit: Limit, budget: Window | SlackBudget, now: datetime
                       ) -> float:
        """The calls a window of `limit`'s family allows now (as learned by any of it) —
        read beside `budget`, the limit's own window: from this process's windows (its lock
        held), or the shared table in the same transaction."""
        assert limit.family is not None
        if isinstance(budget, Window):
            family: Window | SlackBudget | None = self._windows.get(limit.family)
        else:
            session = Session.object_session(budget)
            assert session is not None
            family = session.get(SlackBudget, limit.family)
        if family is None:
            return limit.calls
        return allowed_now(limit.calls, family.allowed, family.learned_at, now)

    def spent(self, now: datetime) -> Select[tuple[str]] | list[str]:
        """The keys of the limits that have no room at `now` (for the outbox claim)."""
        if not self.shared:
            with self._lock:
                return [w.key for w in self._windows.values() if w.next_at > now + EARLY]
        return select(SlackBudget.key).where(SlackBudget.next_at > now + EARLY)

    def next_room(self) -> float | None:
        """Seconds until the soonest spent limit has room again; None when none is spent."""
        now = self.clock()
        if not self.shared:
            with self._lock:
                later = [w.next_at for w in self._windows.values() if w.next_at > now]
            soonest = min(later) if later else None
        else:
            with self._sessions() as session:
                soonest = session.scalar(select(func.min(SlackBudget.next_at)).where(
                    SlackBudget.next_at > now))
        return max(0.0, (soonest - now).total_seconds()) if soonest is not None else None

    @contextmanager
    def _window(self, limit: Limit, now: datetime) -> Iterator[Window | SlackBudget]:
        """The limit's window, to read and change: this process's, or the shared row under
        its lock (changes committed on leaving)."""
        if not self.shared:
            with self._lock:
                if len(self._windows) > KEPT and limit.key not in self._windows:
                    self._forget(now)
                yield self._windows.setdefault(limit.key, Window(limit.key, limit.calls, [], now))
            return
        with self._sessions() as session, session.begin():
            insert_ignoring_conflict(session, SlackBudget, {
                "key": limit.key, "allowed": limit.calls, "calls": [], "next_at": now})
            yield session.scalars(locked(select(SlackBudget).where(
                SlackBudget.key == limit.key))).one()


    def _forget(self, now: datetime) -> None:
        """Drop the windows nobody spent from for a while (a channel's, long quiet)."""
        quiet = now - QUIET
        for key in [k for k, w in self._windows.items()
                    if w.next_at < quiet and w.learned_at is None]:
            del self._windows[key]


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)

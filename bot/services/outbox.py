"""Delivering recorded Slack side effects: claim, send outside any transaction, record the
result — with retries and exponential backoff. A crash between claim and record only
delays delivery until the claim's lease runs out."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.services.context import ServiceContext
from bot.services.effects import COALESCING, URGENT
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8
# An effect waiting for what it needs (the case channel) is tried again after this, or at
# once when that appears (`OutboxRepository.wake_case`); it never uses up an attempt.
WAIT = timedelta(seconds=1)


class NotReady(Exception):
    """The effect depends on something not there yet (e.g. the case channel); try soon."""


class Later(Exception):
    """Slack asked to slow down (429, Retry-After): nothing was done; send again after
    `seconds`, without counting an attempt and without a worker sleeping meanwhile."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate limited; again in {seconds:g} s")
        self.seconds = seconds


class PermanentFailure(Exception):
    """Retrying will not help (e.g. the channel was deleted); give up and record why."""


class EffectExecutor(Protocol):
    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> Any | None:
        """Read what sending needs, as plain data; None means nothing to do any more."""

    def send(self, message: OutboxMessage, prepared: Any) -> dict[str, Any]:
        """Make the Slack calls. Raise NotReady, PermanentFailure, or anything (retried)."""

    def apply(self, message: OutboxMessage, result: dict[str, Any], uow: UnitOfWork) -> None:
        """Record the result (message ts, channel id...) and any follow-up effects."""


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, outcome: str, error: str | None = None) -> None:
        with self.lock:
            setattr(self, outcome, getattr(self, outcome) + 1)
            if error:
                self.errors.append(error)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** attempts, 300))


class InFlight:
    """The effects (and cases) this process's workers are sending right now. The others leave
    them alone even after their lease ran out — a slow Slack (timeouts, Retry-After) can
    outlast a lease, and sending them a second time would post twice."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: set[int] = set()
        self._cases: set[int] = set()

    def snapshot(self) -> tuple[set[int], set[int]]:
        with self._lock:
            return set(self._messages), set(self._cases)

    def hold(self, batch: list[tuple[OutboxMessage, Any]]) -> None:
        with self._lock:
            self._messages.update(m.id for m, _ in batch)
            self._cases.update(m.case_id for m, _ in batch if m.case_id is not None)

    def release(self, batch: list[tuple[OutboxMessage, Any]]) -> None:
        with self._lock:
            self._messages.difference_update(m.id for m, _ in batch)
            self._cases.difference_update(m.case_id for m, _ in batch if m.case_id is not None)


def deliver_next(ctx: ServiceContext, executors: dict[str, EffectExecutor], *,
                 urgent_only: bool = False, in_flight: InFlight | None = None
                 ) -> DeliveryReport | None:
    """Claim the most urgent due effect — with the rest of its case's due effects of that
    priority — and deliver them in order; None when nothing (`urgent_only`: nothing urgent)
    is due. Workers call this side by side, sharing `in_flight`: each case is delivered by
    one of them at a time (see `OutboxRepository.claim_next`)."""
    in_flight = in_flight or InFlight()
    messages, cases = in_flight.snapshot()
    now = ctx.now()
    with ctx.uow().in_background() as uow:
        claimed = uow.outbox.claim_next(now, lease_until=now + LEASE,
                                        max_priority=URGENT if urgent_only else None,
                                        in_flight=messages, cases_in_flight=cases)
        held = _hold(uow, claimed)
        batch = [_prepare(uow, executors, message_id) for message_id in claimed]
        del held
        uow.commit()
        in_flight.hold(batch)
    if not batch:
        return None
    report = DeliveryReport()
    try:
        _deliver_in_order(ctx, executors, batch, report, claimed_at=now)
    finally:
        in_flight.release(batch)
    return report


def _hold(uow: UnitOfWork, message_ids: list[int]) -> list[object]:
    """A batch's outbox rows and their case (with its participants and invites), read once
    and held for the transaction: the session's identity map is weak, so `get` finds an
    object without a query only while someone holds it (every effect of the batch reads the
    case; invites and member syncs read its invites and participants)."""
    messages = uow.outbox.load(message_ids)
    cases = uow.cases.load_with_people({m.case_id for m in messages if m.case_id is not None})
    return [*messages, *cases]


def _prepare(uow: UnitOfWork, executors: dict[str, EffectExecutor], message_id: int
             ) -> tuple[OutboxMessage, Any]:
    message = uow.outbox.get(message_id)
    assert message is not None
    key = message.dedupe_key
    # Later changes get a refresh of their own (once: a key grown by every retry would
    # outgrow its column, and PostgreSQL refusing it stalled all delivery).
    release = message.kind in COALESCING and "#" not in key
    if release:
        message.dedupe_key = f"{key}#{message.id}"
    try:
        return message, executors[message.kind].prepare(message, uow)
    except NotReady as reason:
        if release:  # still waiting: later changes coalesce into it, as before
            message.dedupe_key = key
        return message, reason


@dataclass(frozen=True)
class _Outcome:
    """How sending one effect went: "done" (with Slack's result), "waiting", "retry" or
    "failed" (with the reason), "later" (rate limited, with a delay) or "handed_back"
    unsent."""

    state: str
    result: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    delay: float = 0.0


def _deliver_in_order(ctx: ServiceContext, executors: dict[str, EffectExecutor],
                      items: list[tuple[OutboxMessage, Any]], report: DeliveryReport, *,
                      claimed_at: datetime | None = None) -> None:
    """Send one case's claimed effects in order, then record every outcome in one
    transaction (one turn at SQLite's single writer for the lot, not one per effect). A crash
    before that commit leaves the claims to run out: the effects are sent again, as an
    attempt that may have reached Slack (posts look for themselves first). When Slack is so
    slow that half the lease is gone, the rest are handed back unsent, so that another
    process never takes over a claim this one is still sending."""
    hand_back_at = (claimed_at or ctx.now()) + LEASE / 2
    outcomes = []
    for message, prepared in items:
        if ctx.now() >= hand_back_at:
            outcomes.append((message, _Outcome("handed_back")))
        else:
            outcomes.append((message, _send(executors, message, prepared)))
    # What did not go out is rescheduled before the results of what did are applied: an
    # effect that waited for the channel created just before it is then woken by it.
    outcomes.sort(key=lambda pair: pair[1].state == "done")
    with ctx.uow().in_background() as uow:
        held = _hold(uow, [m.id for m, _ in outcomes])
        for message, outcome in outcomes:
            _record(ctx, uow, executors, message, outcome, report)
        uow.commit()
        del held


def _send(executors: dict[str, EffectExecutor], message: OutboxMessage, prepared: Any
          ) -> _Outcome:
    try:
        if isinstance(prepared, NotReady):
            raise prepared
        return _Outcome("done", executors[message.kind].send(message, prepared)
                        if prepared is not None else {})
    except NotReady as reason:
        return _Outcome("waiting", reason=str(reason) or "waiting")
    except Later as later:
        return _Outcome("later", reason=str(later), delay=later.seconds)
    except PermanentFailure as reason:
        return _Outcome("failed", reason=str(reason))
    except Exception as error:  # noqa: BLE001 — any Slack/transport failure is retried
        log.warning("delivering %s #%s failed: %s", message.kind, message.id, error)
        return _Outcome("retry", reason=f"{type(error).__name__}: {error}")


def _record(ctx: ServiceContext, uow: UnitOfWork, executors: dict[str, EffectExecutor],
            message: OutboxMessage, outcome: _Outcome, report: DeliveryReport) -> None:
    stored = uow.outbox.get(message.id)
    assert stored is not None
    stored.claimed_until = None
    if outcome.state == "handed_back":
        return
    if outcome.state == "later":
        stored.last_error = outcome.reason
        stored.next_attempt_at = ctx.now() + timedelta(seconds=outcome.delay)
        report.count("retried")
        return
    if outcome.state == "done":
        executors[message.kind].apply(stored, outcome.result, uow)
        stored.state, stored.done_at, stored.result = "done", ctx.now(), outcome.result
        report.count("delivered")
    elif outcome.state == "failed":
        stored.state, stored.last_error = "failed", outcome.reason[:2000]
        log.error("effect #%s failed for good: %s", message.id, outcome.reason)
        report.count("failed", outcome.reason)
    else:
        gave_up = _reschedule(ctx, stored, outcome.reason,
                              count_attempt=outcome.state == "retry")
        report.count("failed" if gave_up else "retried",
                     outcome.reason if outcome.state == "retry" else None)


def _reschedule(ctx: ServiceContext, message: OutboxMessage, error: str, *,
                count_attempt: bool) -> bool:
    """Try again later; True if this was the last attempt and the message is given up."""
    if count_attempt:
        message.attempts += 1
    message.last_error = error[:2000]
    gave_up = message.attempts >= MAX_ATTEMPTS
    if gave_up:
        message.state = "failed"
        log.error("giving up on %s #%s after %s attempts: %s", message.kind, message.id,
                  message.attempts, error)
    # Waiting for a dependency is not a failure: woken when the case's channel appears, and
    # tried again soon anyway (due at once, a waiting effect would stand in front of every
    # other case's).
    delay = backoff(message.attempts) if count_attempt else WAIT
    message.next_attempt_at = ctx.now() + delay
    return gave_up

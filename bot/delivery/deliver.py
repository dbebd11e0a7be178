"""Delivering claimed effects: prepare in the claim's transaction, send outside any
transaction, record the outcomes in one — with retries and backoff. A crash between claim
and record only delays delivery until the claim's lease runs out. Whatever goes wrong with
one effect — its executor raising in prepare, send or apply — is recorded on that effect
alone (an attempt, its error; retried, or failed for good with the owner told when
retrying cannot help), so the others keep flowing."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.delivery.budget import Budget
from bot.delivery.claims import BARRIERS, InFlight, Waiting, claim_next
from bot.delivery.protocol import (
    DependencyFailed,
    EffectExecutor,
    Later,
    NotReady,
    PermanentFailure,
)
from bot.delivery.retry import LEASE, WAIT, backoff
from bot.services import effects
from bot.services.context import ServiceContext
from bot.services.effects import URGENT
from models.scheduling import OutboxMessage, OutboxState
from models.uow import UnitOfWork

log = logging.getLogger(__name__)

# Raised by our own code, not by Slack or the network: the same effect would fail the same
# way on every try (a note kind with no wording, a data key it needs missing...), so it
# fails for good at once and the owner hears of it (`swarmbot outbox retry` after a fix).
PROGRAMMING_ERRORS: tuple[type[Exception], ...] = (
    LookupError, TypeError, AttributeError, NameError, AssertionError, NotImplementedError)


class Unexpected(Exception):  # noqa: N818 — it wraps what the executor raised
    """What an executor's `prepare` raised besides NotReady/PermanentFailure: recorded on
    its effect when the batch's outcomes are (a retried attempt, or failed for good)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.error = error


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


def deliver_next(ctx: ServiceContext, executors: dict[str, EffectExecutor], *,
                 urgent_only: bool = False, in_flight: InFlight | None = None,
                 budget: Budget | None = None) -> DeliveryReport | None:
    """Claim the most urgent due effect — with the rest of its lock's (its case's) due
    effects of that priority — and deliver them in order; None when nothing (`urgent_only`:
    nothing urgent) is due. Workers call this side by side, sharing `in_flight`: each lock is
    delivered by one of them at a time (see `claims.claim_next`). With a `budget`, effects
    waiting for a spent rate limit are left for later."""
    in_flight = in_flight or InFlight()
    messages, locks = in_flight.snapshot()
    now = ctx.now()
    with ctx.uow() as uow:
        claimed = claim_next(uow, now, lease_until=now + LEASE,
                             max_priority=URGENT if urgent_only else None,
                             in_flight=messages, locks_in_flight=locks,
                             waiting=Waiting(budget.spent(budget.clock()), budget.first_waits)
                             if budget is not None else None)
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
    """Read what sending needs. Its delivery starting releases the effect's queueing lock:
    a change made from now on gets a refresh of its own."""
    message = uow.outbox.get(message_id)
    assert message is not None
    queueing_lock, message.queueing_lock = message.queueing_lock, None
    try:
        return message, executors[message.kind].prepare(message, uow)
    except NotReady as reason:
        if reason.needs and _failed(uow, reason.needs):
            return message, DependencyFailed(f"{reason} ({reason.needs} failed)")
        message.queueing_lock = queueing_lock  # still waiting: later changes coalesce into it
        return message, reason
    except PermanentFailure as reason:
        return message, reason
    except SQLAlchemyError:  # the database (not this effect) failed: the claim is rolled
        raise  # back and the next round tries again
    except Exception as error:  # noqa: BLE001 — this effect alone: see `_send`
        log.exception("preparing %s #%s failed", message.kind, message.id)
        return message, Unexpected(error)


def _failed(uow: UnitOfWork, dedupe_key: str) -> bool:
    return uow.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.dedupe_key == dedupe_key,
        OutboxMessage.state == OutboxState.FAILED)) is not None


@dataclass(frozen=True)
class _Outcome:
    """How sending one effect went: "done" (with Slack's result), "waiting", "retry" or
    "failed" (with the reason), "later" (rate limited, with a delay), "held" (its budget
    spent: `waits_for` names it) or "handed_back" unsent."""

    state: str
    result: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    delay: float = 0.0
    waits_for: str | None = None
    tell_owner: bool = False  # "failed": the case owner hears what could not be done
    attempted: bool = False  # "failed": it counts as an attempt (an unexpected error)


def _deliver_in_order(ctx: ServiceContext, executors: dict[str, EffectExecutor],
                      items: list[tuple[OutboxMessage, Any]], report: DeliveryReport, *,
                      claimed_at: datetime | None = None) -> None:
    """Send one case's claimed effects in order, then record every outcome in one
    transaction (one turn at SQLite's single writer for the lot, not one per effect). A crash
    before that commit leaves the claims to run out: the effects are sent again, as an
    attempt that may have reached Slack (posts look for themselves first). When Slack is so
    slow that half the lease is gone, the rest are handed back unsent, so that another
    process never takes over a claim this one is still sending. Once one waits for its
    rate-limit budget, the others still go — but none across a channel's archive or reopening
    (`claims.BARRIERS`)."""
    hand_back_at = (claimed_at or ctx.now()) + LEASE / 2
    outcomes: list[tuple[OutboxMessage, _Outcome]] = []
    held = stop = False
    for message, prepared in items:
        barrier = message.kind in BARRIERS
        stop = stop or ctx.now() >= hand_back_at or (held and barrier)
        if stop:
            outcomes.append((message, _Outcome("handed_back")))
            continue
        outcome = _send(executors, message, prepared)
        outcomes.append((message, outcome))
        held = held or outcome.state == "held"
        stop = barrier and outcome.state == "held"
    # What did not go out is rescheduled before the results of what did (or failed for good)
    # are applied: an effect that waited for the channel created (or refused) just before it
    # is then woken by it.
    outcomes.sort(key=lambda pair: {"failed": 1, "done": 2}.get(pair[1].state, 0))
    with ctx.uow() as uow:
        loaded = _hold(uow, [m.id for m, _ in outcomes])
        for message, outcome in outcomes:
            _record(ctx, uow, executors, message, outcome, report)
        uow.commit()
        del loaded


def _send(executors: dict[str, EffectExecutor], message: OutboxMessage, prepared: Any
          ) -> _Outcome:
    try:
        if isinstance(prepared, NotReady | PermanentFailure):
            raise prepared
        if isinstance(prepared, Unexpected):
            return _unexpected(prepared.error)
        return _Outcome("done", executors[message.kind].send(message, prepared)
                        if prepared is not None else {})
    except NotReady as reason:
        return _Outcome("waiting", reason=str(reason) or "waiting")
    except Later as later:
        if later.waits_for is not None:
            return _Outcome("held", reason=str(later), waits_for=later.waits_for)
        return _Outcome("later", reason=str(later), delay=later.seconds)
    except PermanentFailure as reason:
        return _Outcome("failed", reason=str(reason),
                        tell_owner=not isinstance(reason, DependencyFailed))
    except Exception as error:  # noqa: BLE001 — any Slack/transport failure is retried
        log.warning("delivering %s #%s failed: %s", message.kind, message.id, error,
                    exc_info=isinstance(error, PROGRAMMING_ERRORS))
        return _unexpected(error)


def _unexpected(error: Exception) -> _Outcome:
    """An error that is not one of the protocol's answers: retried with backoff (Slack or
    the network away), or — a programming error, which retrying cannot heal — failed for
    good; an attempt either way."""
    reason = f"{type(error).__name__}: {error}"
    if isinstance(error, PROGRAMMING_ERRORS):
        return _Outcome("failed", reason=reason, tell_owner=True, attempted=True)
    return _Outcome("retry", reason=reason)


def _record(ctx: ServiceContext, uow: UnitOfWork, executors: dict[str, EffectExecutor],
            message: OutboxMessage, outcome: _Outcome, report: DeliveryReport) -> None:
    stored = uow.outbox.get(message.id)
    assert stored is not None
    stored.claimed_until = None
    if outcome.state == "handed_back":
        return
    stored.waits_for = outcome.waits_for
    if outcome.state == "held":  # still due: claimed again once its budget has room
        stored.last_error = outcome.reason
        report.count("retried")
        return
    if outcome.state == "later":
        stored.last_error = outcome.reason
        stored.scheduled_at = ctx.now() + timedelta(seconds=outcome.delay)
        report.count("retried")
        return
    if outcome.state == "done":
        applied = _apply(executors, stored, outcome.result, uow)
        stored.result = outcome.result
        if applied is None:
            stored.state, stored.done_at = OutboxState.DONE, ctx.now()
            report.count("delivered")
            return
        outcome = applied  # sent, but its result could not be recorded: failed for good
    if outcome.state == "failed":
        if outcome.attempted:
            stored.attempts += 1
        stored.state, stored.last_error = OutboxState.FAILED, outcome.reason[:2000]
        stored.done_at = ctx.now()
        log.error("effect #%s failed for good: %s", message.id, outcome.reason)
        report.count("failed", outcome.reason)
        if outcome.tell_owner and stored.case_id is not None and \
                stored.kind != effects.Effect.DELIVERY_FAILED:
            effects.delivery_failed(uow, case_id=stored.case_id, effect_id=stored.id,
                                    kind=stored.kind, reason=outcome.reason)
            uow.outbox.wake_case(stored.case_id)  # what waited for it finds out now
    else:
        _reschedule(ctx, stored, outcome.reason, count_attempt=outcome.state == "retry")
        report.count("retried", outcome.reason if outcome.state == "retry" else None)


def _apply(executors: dict[str, EffectExecutor], message: OutboxMessage,
           result: dict[str, Any], uow: UnitOfWork) -> _Outcome | None:
    """Record what Slack answered, in a savepoint: when the executor raises, what it wrote
    is undone and the effect fails for good (it reached Slack; sending it again would post
    twice) while the batch's other outcomes are recorded. The database going away still ends
    the whole transaction (the claims run out and everything is tried again)."""
    uow.outbox.write_pending()  # what came before is kept; what apply records is undone
    uow.timers.write_pending()  # with it (written inside the savepoint, or forgotten)
    try:
        with uow.session.begin_nested():
            executors[message.kind].apply(message, result, uow)
            uow.outbox.write_pending()
            uow.timers.write_pending()
    except OperationalError:
        raise
    except Exception as error:  # noqa: BLE001 — this effect alone
        uow.outbox.forget_pending()
        uow.timers.forget_pending()
        log.exception("recording the result of %s #%s failed", message.kind, message.id)
        return _Outcome("failed", reason=f"sent, but recording it failed: "
                        f"{type(error).__name__}: {error}", tell_owner=True, attempted=True)
    return None


def _reschedule(ctx: ServiceContext, message: OutboxMessage, error: str, *,
                count_attempt: bool) -> None:
    """Try again later: after a backoff that grows to at most `retry.MAX_BACKOFF` — never
    given up, however long Slack is away — or, waiting for a dependency, soon."""
    if count_attempt:
        message.attempts += 1
    message.last_error = error[:2000]
    # Waiting for a dependency is not a failure: woken when the case's channel appears, and
    # tried again soon anyway (due at once, a waiting effect would stand in front of every
    # other case's).
    delay = backoff(message.attempts) if count_attempt else WAIT
    message.scheduled_at = ctx.now() + delay

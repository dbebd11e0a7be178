"""Delivering recorded Slack side effects: claim, send outside any transaction, record the
result — with retries and exponential backoff. A crash between claim and record only
delays delivery until the claim's lease runs out."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from bot.services.context import ServiceContext
from bot.services.effects import COALESCING
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8


class NotReady(Exception):
    """The effect depends on something not there yet (e.g. the case channel); try soon."""


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


def deliver_due(ctx: ServiceContext, executors: dict[str, EffectExecutor], *,
                limit: int = 50, pool: ThreadPoolExecutor | None = None) -> DeliveryReport:
    """Deliver what is due. With a pool, different cases are delivered in parallel; the
    effects of one case always go out in the order they were recorded."""
    now = ctx.now()
    with ctx.uow() as uow:  # claim and read what to send in one transaction
        claimed = uow.outbox.claim_due(now, lease_until=now + LEASE, limit=limit)
        batch = [_prepare(uow, executors, message_id) for message_id in claimed]
        uow.commit()
    by_case: dict[int | None, list[tuple[OutboxMessage, Any]]] = defaultdict(list)
    for message, prepared in batch:
        by_case[message.case_id].append((message, prepared))
    report = DeliveryReport()

    def deliver_in_order(items: list[tuple[OutboxMessage, Any]]) -> None:
        for message, prepared in items:
            _deliver_one(ctx, executors, message, prepared, report)

    if pool is None or len(by_case) < 2:
        for message_ids in by_case.values():
            deliver_in_order(message_ids)
    else:
        for future in [pool.submit(deliver_in_order, ids) for ids in by_case.values()]:
            future.result()
    return report


def _prepare(uow: UnitOfWork, executors: dict[str, EffectExecutor], message_id: int
             ) -> tuple[OutboxMessage, Any]:
    message = uow.outbox.get(message_id)
    assert message is not None
    if message.kind in COALESCING:  # later changes get a refresh of their own
        message.dedupe_key = f"{message.dedupe_key}#{message.id}"
    try:
        return message, executors[message.kind].prepare(message, uow)
    except NotReady as reason:
        return message, reason


def _deliver_one(ctx: ServiceContext, executors: dict[str, EffectExecutor],
                 message: OutboxMessage, prepared: Any, report: DeliveryReport) -> None:
    message_id = message.id
    executor = executors[message.kind]
    try:
        if isinstance(prepared, NotReady):
            raise prepared
        result = executor.send(message, prepared) if prepared is not None else {}
    except NotReady as reason:
        _reschedule(ctx, message_id, str(reason) or "waiting", count_attempt=False)
        report.count("retried")
        return
    except PermanentFailure as reason:
        _give_up(ctx, message_id, str(reason))
        report.count("failed", str(reason))
        return
    except Exception as error:  # noqa: BLE001 — any Slack/transport failure is retried
        log.warning("delivering %s #%s failed: %s", message.kind, message_id, error)
        failed = _reschedule(ctx, message_id, f"{type(error).__name__}: {error}",
                             count_attempt=True)
        report.count("failed" if failed else "retried", str(error))
        return
    with ctx.uow() as uow:
        stored = uow.outbox.get(message_id)
        assert stored is not None
        executor.apply(stored, result, uow)
        stored.state, stored.done_at, stored.result = "done", ctx.now(), result
        stored.claimed_until = None
        uow.commit()
    report.count("delivered")


def _reschedule(ctx: ServiceContext, message_id: int, error: str, *, count_attempt: bool) -> bool:
    """Try again later; True if this was the last attempt and the message is given up."""
    with ctx.uow() as uow:
        message = uow.outbox.get(message_id)
        assert message is not None
        if count_attempt:
            message.attempts += 1
        message.last_error = error[:2000]
        message.claimed_until = None
        gave_up = message.attempts >= MAX_ATTEMPTS
        if gave_up:
            message.state = "failed"
            log.error("giving up on %s #%s after %s attempts: %s", message.kind, message_id,
                      message.attempts, error)
        # Waiting for a dependency stays due: the next delivery round (kicked by the commit
        # that creates it, or the dispatcher's poll) tries again.
        delay = backoff(message.attempts) if count_attempt else timedelta(0)
        message.next_attempt_at = ctx.now() + delay
        uow.commit()
        return gave_up


def _give_up(ctx: ServiceContext, message_id: int, error: str) -> None:
    with ctx.uow() as uow:
        message = uow.outbox.get(message_id)
        assert message is not None
        message.state, message.last_error, message.claimed_until = "failed", error[:2000], None
        uow.commit()
    log.error("effect #%s failed for good: %s", message_id, error)

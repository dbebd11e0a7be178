"""Firing due timers. Each timer is claimed by one process (a lease), then done and marked
fired in one transaction — so a restart neither loses nor double-fires it. A handler that
fails rolls back only its own timer's transaction: the failure is recorded on that timer
(an attempt, its error) and it is tried again after a backoff, while the others fire."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import timedelta

from bot.delivery.retry import backoff
from bot.services.context import ServiceContext
from bot.services.escalation import fire_sla_timer
from bot.services.followups import remind_followup
from bot.services.resolution import archive_after_grace
from bot.services.status import remind_owner
from bot.services.swarm import expire_invite, release_invite
from bot.services.workflows import fire_no_update
from models.scheduling import Timer, TimerKind, TimerState
from models.uow import UnitOfWork

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)

TimerHandler = Callable[[ServiceContext, UnitOfWork, Timer], None]

HANDLERS: dict[TimerKind, TimerHandler] = {
    TimerKind.STATUS_REMINDER: lambda ctx, uow, t: remind_owner(ctx, uow, t.case_id or 0),
    TimerKind.INVITE_EXPIRY: lambda ctx, uow, t: expire_invite(
        ctx, uow, int(t.payload["invite_id"])
    ),
    TimerKind.INVITE_RELEASE: lambda ctx, uow, t: release_invite(
        ctx, uow, int(t.payload["invite_id"])
    ),
    TimerKind.ARCHIVE_CHANNEL: lambda ctx, uow, t: archive_after_grace(
        ctx, uow, t.case_id or 0, reminded=bool((t.payload or {}).get("reminded"))
    ),
    TimerKind.SLA: fire_sla_timer,
    TimerKind.FOLLOWUP_REMINDER: remind_followup,
    TimerKind.WORKFLOW_NO_UPDATE: fire_no_update,
}


def fire_due_timers(ctx: ServiceContext, *, handlers: dict[TimerKind, TimerHandler] | None = None,
                    limit: int = 100) -> int:
    """Fire every timer due now; returns how many fired."""
    handlers = handlers or HANDLERS
    owner = f"{socket.gethostname()}:{os.getpid()}"
    now = ctx.now()
    with ctx.uow() as uow:
        claimed = uow.timers.claim_due(now, owner=owner, lease_until=now + LEASE, limit=limit)
        uow.commit()
    fired = 0
    for timer_id in claimed:
        try:
            fired += _fire(ctx, handlers, timer_id, owner)
        except Exception as error:  # noqa: BLE001 — one broken timer must not stop the others
            log.exception("timer #%s failed; it will be retried", timer_id)
            _record_failure(ctx, timer_id, owner, error)
    return fired


def _record_failure(ctx: ServiceContext, timer_id: int, owner: str, error: Exception) -> None:
    """Count the failed attempt on the timer and keep it leased for a backoff (its `due_at`
    stays what it means): tried again then, not at once by the next round (the error would
    only come back) nor left for the whole lease."""
    try:
        with ctx.uow() as uow:
            timer = uow.timers.get(timer_id, for_update=True)
            if timer is None or timer.state != TimerState.PENDING or timer.claimed_by != owner:
                return
            timer.attempts += 1
            timer.last_error = f"{type(error).__name__}: {error}"[:2000]
            timer.claimed_until = ctx.now() + backoff(timer.attempts)
            uow.commit()
    except Exception:  # the database itself may be away: the lease runs out as before
        log.exception("recording the failure of timer #%s failed", timer_id)


def _fire(ctx: ServiceContext, handlers: dict[TimerKind, TimerHandler], timer_id: int,
          owner: str) -> int:
    with ctx.uow() as uow:
        timer = uow.timers.get(timer_id)
        if timer is None:
            return 0
        if timer.case_id is not None:  # the case first, as the use cases that cancel its
            uow.cases.get(timer.case_id, for_update=True)  # timers lock it, then …
        timer = uow.timers.get(timer_id, for_update=True)  # … the timer as it is now
        if timer is None or timer.state != TimerState.PENDING or timer.claimed_by != owner:
            return 0
        handler = handlers.get(timer.kind)
        if handler is None:
            log.error("no handler for timer kind %r (#%s)", timer.kind, timer.id)
            timer.state = TimerState.CANCELLED
        else:
            handler(ctx, uow, timer)
            timer.state, timer.fired_at = TimerState.FIRED, ctx.now()
        uow.commit()
        return 1

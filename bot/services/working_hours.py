"""Nobody is pinged at 3 a.m. by mistake: when a reminder to someone may wait for their
working day (anything but sev1), and until when."""

from __future__ import annotations

from datetime import datetime

from bot.domain.availability import next_working_start
from bot.services.context import ServiceContext
from models.uow import UnitOfWork


def hold_until(ctx: ServiceContext, uow: UnitOfWork, user_id: str, *, urgent: bool
               ) -> datetime | None:
    """When `user_id`'s working day begins, if a message to them should wait for it; None to
    send it now (urgent — a sev1 —, working now, or no known time zone)."""
    if urgent:
        return None
    expert = uow.experts.get(user_id)
    if expert is None:
        return None
    start = next_working_start(ctx.now(), expert.tz, expert.work_start_hour,
                               expert.work_end_hour)
    return start if start > ctx.now() else None

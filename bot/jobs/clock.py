"""The clock process: exactly one per install. APScheduler runs jobs with fixed ids; the
per-case timers themselves are rows in the database, so a restart loses nothing."""

from __future__ import annotations

import logging
from typing import Any

from apscheduler.schedulers.base import BaseScheduler

from bot.services.context import ServiceContext
from bot.services.timers import fire_due_timers

log = logging.getLogger(__name__)


def add_clock_jobs(scheduler: BaseScheduler, services: ServiceContext, *,
                   retrain: Any = None, timer_seconds: int = 10) -> None:
    scheduler.add_job(fire_due_timers, "interval", seconds=timer_seconds, args=[services],
                      id="fire-due-timers", replace_existing=True, coalesce=True,
                      max_instances=1)
    if retrain is not None:
        scheduler.add_job(retrain, "cron", hour=3, minute=17, id="retrain-recommender",
                          replace_existing=True, coalesce=True, max_instances=1)

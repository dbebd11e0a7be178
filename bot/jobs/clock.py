"""The clock process: exactly one per install. APScheduler runs jobs with fixed ids; the
per-case timers themselves are rows in the database, so a restart loses nothing."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.base import BaseScheduler

from bot.services.context import ServiceContext
from bot.services.replays import forget_expired
from bot.services.timers import fire_due_timers
from bot.services.user_groups import sync_responder_groups

log = logging.getLogger(__name__)


def add_clock_jobs(scheduler: BaseScheduler, services: ServiceContext, *,
                   retrain: Any = None, timer_seconds: int = 10) -> None:
    scheduler.add_job(fire_due_timers, "interval", seconds=timer_seconds, args=[services],
                      id="fire-due-timers", replace_existing=True, coalesce=True,
                      max_instances=1)
    # responder user groups: read at start, then every 6 hours (events keep them current
    # in between; this catches what was missed while no process listened)
    scheduler.add_job(sync_responder_groups, "interval", hours=6, args=[services],
                      next_run_time=datetime.now(UTC), id="sync-responder-groups",
                      replace_existing=True, coalesce=True, max_instances=1)
    # keys of handled Slack requests, once Slack would refuse their timestamp anyway
    scheduler.add_job(forget_expired, "interval", minutes=10, args=[services],
                      id="forget-handled-requests", replace_existing=True, coalesce=True,
                      max_instances=1)
    # the nightly retrain: bot.services.model.retrain, what `swarmbot model train --from-db`
    # runs (the last good model stays if it fails or does worse on the backtest)
    if retrain is not None:
        scheduler.add_job(retrain, "cron", hour=3, minute=17, id="retrain-recommender",
                          replace_existing=True, coalesce=True, max_instances=1)

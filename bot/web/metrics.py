"""GET /metrics for Prometheus (prometheus_client).

Two kinds of figures:
- what each process counts as it works — Slack requests and their ack latency by surface,
  Web API calls and 429s by method, outbox delivery latency by effect. With several web
  processes (`swarmbot serve` under gunicorn) these go through prometheus_client's
  multiprocess mode: `swarmbot serve` points PROMETHEUS_MULTIPROC_DIR at a fresh directory
  before anything imports prometheus_client, and a scrape of any worker sums them all
  (https://prometheus.github.io/client_python/multiprocess/);
- what the database knows — outbox backlog (pending, failed, oldest age), timer lag, the
  model's age — read at scrape time by a collector, so every process tells the same truth
  however many there are (gauges kept per process would not add up).
Metric objects are module-level, as prometheus_client expects; defining them does no I/O."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.web.metrics_env import MULTIPROCESS_ENV

ACK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
DELIVERY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)

REQUESTS = Counter("swarmbot_slack_requests", "Slack requests answered, by surface and status",
                   ["surface", "status"])
ACK_SECONDS = Histogram("swarmbot_slack_ack_seconds",
                        "Time from receiving a Slack request to answering it, by surface",
                        ["surface"], buckets=ACK_BUCKETS)
SLACK_CALLS = Counter("swarmbot_slack_api_calls", "Slack Web API calls (each HTTP attempt), "
                      "by method and HTTP status", ["method", "status"])
SLACK_RATE_LIMITED = Counter("swarmbot_slack_api_rate_limited",
                             "Slack Web API calls answered 429, by method", ["method"])
DELIVERY_SECONDS = Histogram("swarmbot_outbox_delivery_seconds",
                             "Time from recording a Slack side effect to delivering it, by effect",
                             ["effect"], buckets=DELIVERY_BUCKETS)


def surface(body: Any) -> str:
    """Which Slack surface a parsed request body comes from (a small, fixed set of labels)."""
    if not isinstance(body, dict):
        return "unknown"
    if "command" in body:
        return "command"
    return {"event_callback": "event", "block_actions": "action",
            "interactive_message": "action", "view_submission": "view", "view_closed": "view",
            "block_suggestion": "options", "shortcut": "shortcut",
            "message_action": "shortcut", "url_verification": "url_verification",
            }.get(str(body.get("type") or ""), "other")


def observe_request(kind: str, status: int, started: float) -> None:
    REQUESTS.labels(kind, str(status)).inc()
    ACK_SECONDS.labels(kind).observe(max(0.0, time.perf_counter() - started))


def observe_slack_call(method: str, status: int) -> None:
    SLACK_CALLS.labels(method, str(status)).inc()
    if status == 429:
        SLACK_RATE_LIMITED.labels(method).inc()


def observe_delivery(effect: str, recorded_at: datetime, now: datetime) -> float:
    """Count a delivery; returns the seconds it took from being recorded."""
    if recorded_at.tzinfo is None and now.tzinfo is not None:
        now = now.replace(tzinfo=None)
    seconds = max(0.0, (now - recorded_at).total_seconds())
    DELIVERY_SECONDS.labels(effect).observe(seconds)
    return seconds


class DatabaseCollector(Collector):
    """Outbox backlog, timer lag and model age, read when Prometheus scrapes. `read()`
    returns them as a dict of name → value (see `database_figures`)."""

    def __init__(self, read: Callable[[], dict[str, float]]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        figures = self._read()
        described = {
            "swarmbot_outbox_pending": "Slack side effects waiting to be delivered",
            "swarmbot_outbox_failed": "Slack side effects that failed for good",
            "swarmbot_outbox_oldest_pending_seconds": "Age of the oldest waiting side effect",
            "swarmbot_timer_lag_seconds": "How far past due the oldest pending timer is "
                                          "(0: the clock keeps up)",
            "swarmbot_model_age_seconds": "Age of the expert model in use (absent: none yet)",
        }
        for name, help_text in described.items():
            if name in figures:
                yield GaugeMetricFamily(name, help_text, value=figures[name])


def scrape(collector: DatabaseCollector) -> tuple[bytes, str]:
    """The exposition text: this process's (or all processes') counters, then the
    database's figures."""
    if os.environ.get(MULTIPROCESS_ENV):
        from prometheus_client import multiprocess

        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)  # type: ignore[no-untyped-call]
    else:
        counted = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    database.register(collector)
    return generate_latest(counted) + generate_latest(database), CONTENT_TYPE_LATEST


def worker_exited(pid: int) -> None:
    """gunicorn's child_exit: drop a dead worker's live files (its counters stay summed)."""
    if os.environ.get(MULTIPROCESS_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def database_figures(services: Any) -> dict[str, float]:
    """The collector's figures for this install (`services`: its ServiceContext). A figure
    that cannot be read is left out rather than failing the scrape."""
    from sqlalchemy import func, select

    from bot.delivery.backlog import backlog
    from models.scheduling import Timer, TimerState

    figures: dict[str, float] = {}
    now = services.now()
    try:
        with services.uow() as uow:
            delivery = backlog(uow, now)
            oldest_due = uow.session.scalar(select(func.min(Timer.due_at))
                                            .where(Timer.state == TimerState.PENDING))
    except Exception:  # noqa: BLE001 — the database is down: /healthz says so
        return figures
    figures.update(swarmbot_outbox_pending=delivery.pending,
                   swarmbot_outbox_failed=delivery.failed,
                   swarmbot_outbox_oldest_pending_seconds=delivery.oldest_seconds)
    lag = 0.0
    if oldest_due is not None:
        due = oldest_due if oldest_due.tzinfo else oldest_due.replace(tzinfo=now.tzinfo)
        lag = max(0.0, (now - due).total_seconds())
    figures["swarmbot_timer_lag_seconds"] = lag
    trained = _model_trained_at(services.recommender)
    if trained is not None:
        trained = trained if trained.tzinfo else trained.replace(tzinfo=now.tzinfo)
        figures["swarmbot_model_age_seconds"] = max(0.0, (now - trained).total_seconds())
    return figures


def _model_trained_at(holder: Any) -> datetime | None:
    try:
        model = holder() if holder is not None else None
    except Exception:  # noqa: BLE001 — an unreadable model file: no age to tell
        return None
    stamp = (getattr(model, "card", None) or {}).get("trained_at")
    try:
        return datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        return None

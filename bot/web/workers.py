"""`swarmbot serve` as gunicorn runs it: WEB_CONCURRENCY worker processes on one port, each
with 8 request threads. Every worker opens its own bot after the fork — database engine,
Slack client, expert model, outbox delivery threads — and closes it when it exits, so a
SIGTERM lets requests and deliveries in flight finish. Processes rather than more threads:
the slash command's work and the Slack calls after it are Python, and one process runs
Python on one core at a time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger as GunicornLogger

from bot.web.metrics import worker_exited

log = logging.getLogger("swarmbot")

THREADS = 8
GRACEFUL_SECONDS = 20  # for a worker to finish its requests and deliveries after SIGTERM


class _ThroughOurLogging(GunicornLogger):  # type: ignore[misc]
    """gunicorn's lines go through the process's logging (bot/logs.py): JSON when
    SWARMBOT_LOG_FORMAT=json, secrets redacted, like every other line."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            logger.propagate = True


class WebWorkers(BaseApplication):  # type: ignore[misc] — gunicorn ships no type hints
    """`open_bot()` runs in each worker and returns (WSGI app, close)."""

    def __init__(self, open_bot: Callable[[], tuple[Any, Callable[[], None]]], *,
                 host: str, port: int, workers: int, log_level: str) -> None:
        self._open_bot = open_bot
        self._close: Callable[[], None] | None = None
        self._options = {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers, "worker_class": "gthread", "threads": THREADS,
            "graceful_timeout": GRACEFUL_SECONDS, "loglevel": log_level.lower(),
            "control_socket_disable": True, "proc_name": "swarmbot-web",
            "logger_class": _ThroughOurLogging,
            "when_ready": lambda arbiter: log.info(
                "listening on http://%s/slack/events with %s worker process(es)",
                self._options["bind"], workers),
            "worker_exit": lambda arbiter, worker: self._closing(),
            # a dead worker's live figures leave GET /metrics; its counts stay in the sums
            "child_exit": lambda arbiter, worker: worker_exited(worker.pid),
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        app, self._close = self._open_bot()
        return app

    def _closing(self) -> None:
        if self._close is not None:
            self._close()

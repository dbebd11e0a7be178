"""Delivers outbox records soon after the transaction that recorded them commits (kicked by
the session), and polls as a safety net for anything left by a crash or a retry backoff."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from bot.services.context import ServiceContext
from bot.services.outbox import EffectExecutor, deliver_due

log = logging.getLogger(__name__)


class OutboxDispatcher:
    def __init__(self, services: ServiceContext, executors: dict[str, EffectExecutor], *,
                 poll_seconds: float = 2.0, workers: int = 4) -> None:
        self._services, self._executors = services, executors
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="outbox")
        self._poll = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        self._wake.set()

    def start(self) -> OutboxDispatcher:
        self._thread = threading.Thread(target=self._run, name="swarmbot-outbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def drain(self) -> int:
        """Deliver everything due now; returns how many were delivered."""
        delivered = 0
        while not self._stop.is_set():
            report = deliver_due(self._services, self._executors, pool=self._pool)
            delivered += report.delivered
            if report.delivered == 0:  # only waiting or failing effects left: next round
                return delivered
        return delivered

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._poll)
            self._wake.clear()
            try:
                self.drain()
            except Exception:  # the database may be briefly away; the next round retries
                log.exception("outbox delivery round failed")

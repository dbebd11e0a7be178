"""Delivers outbox records soon after the transaction that recorded them commits (kicked by
the session), and polls as a safety net for anything left by a crash or a retry backoff.

Several workers deliver side by side, each taking the most urgent case that nobody is
delivering (see `deliver_next`): a new case's channel and invites never queue behind another
case's topic, summary and App Home refreshes, nor behind a slow batch. Only `background` of
the workers at a time send those less urgent effects, so in a burst most of the process's
time goes to channels and invites. With a rate-limit `budget`, the polling worker also wakes
when a spent budget has room again (an effect held for it is due then)."""

from __future__ import annotations

import logging
import threading

from bot.delivery.budget import Budget
from bot.delivery.claims import InFlight
from bot.delivery.deliver import deliver_next
from bot.delivery.protocol import EffectExecutor
from bot.services.context import ServiceContext

log = logging.getLogger(__name__)


class OutboxDispatcher:
    def __init__(self, services: ServiceContext, executors: dict[str, EffectExecutor], *,
                 poll_seconds: float = 2.0, workers: int = 3, background: int = 1,
                 budget: Budget | None = None) -> None:
        self._services, self._executors, self._budget = services, executors, budget
        self._poll = poll_seconds
        self._workers = workers
        self._background = threading.BoundedSemaphore(max(1, min(background, workers)))
        self._changed = threading.Condition()
        self._kicks = 0
        self._stop = threading.Event()
        self._in_flight = InFlight()
        self._threads: list[threading.Thread] = []

    def kick(self) -> None:
        """Something was recorded: wake a worker (one that finds work wakes the next, so an
        idle bot does not send all its workers to the database for every commit)."""
        with self._changed:
            self._kicks += 1
            self._changed.notify()

    def start(self) -> OutboxDispatcher:
        self._threads = [threading.Thread(target=self._run, args=(n == 0,),
                                          name=f"swarmbot-outbox-{n}", daemon=True)
                         for n in range(self._workers)]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with self._changed:
            self._changed.notify_all()
        for thread in self._threads:
            thread.join(timeout=10)

    def drain(self) -> int:
        """Deliver everything due now on the calling thread; returns how many were delivered."""
        delivered = 0
        while not self._stop.is_set():
            report = deliver_next(self._services, self._executors, in_flight=self._in_flight,
                                  budget=self._budget)
            if report is None:
                break
            delivered += report.delivered
        return delivered

    def _run(self, polls: bool) -> None:
        """`polls`: this worker also looks every `poll_seconds` (retries coming due, work a
        crashed process left); the others sleep until woken."""
        while not self._stop.is_set():
            with self._changed:
                seen = self._kicks
            background = self._background.acquire(blocking=False)
            try:
                report = deliver_next(self._services, self._executors,
                                      urgent_only=not background, in_flight=self._in_flight,
                                      budget=self._budget)
            except Exception:  # the database may be briefly away; the next round retries
                log.exception("outbox delivery failed")
                report = None
            finally:
                if background:
                    self._background.release()
            if report is not None:  # something was due: there may be more, for another too
                with self._changed:
                    self._changed.notify()
                continue
            wait = self._next_poll() if polls else None
            with self._changed:  # nothing due: sleep until something is recorded, or a poll
                if self._kicks == seen and not self._stop.is_set():
                    self._changed.wait(wait)

    def _next_poll(self) -> float:
        """The poll interval, or less when a spent rate-limit budget has room sooner."""
        if self._budget is None:
            return self._poll
        try:
            room = self._budget.next_room()
        except Exception:  # the database may be briefly away: poll as usual
            log.exception("reading the rate-limit budgets failed")
            return self._poll
        return self._poll if room is None else min(self._poll, room + 0.01)

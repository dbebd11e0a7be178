"""Timers live in the database: two clock processes fire each timer once, and a timer whose
firing was cut short by a crash fires (once) after a restart."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from bot.services.context import ServiceContext
from bot.services.timers import LEASE, fire_due_timers
from models.scheduling import Timer, TimerKind
from models.uow import UnitOfWork
from tests.integration.conftest import Clock

PROBE = TimerKind.STATUS_REMINDER  # a real kind; the tests hand in their own handler


def _schedule(services: ServiceContext, clock: Clock, count: int) -> None:
    with services.uow() as uow:
        for n in range(count):
            uow.timers.schedule(f"t:{n}", PROBE, clock() + timedelta(minutes=1), n=n)
        uow.commit()


def test_two_clock_processes_fire_each_timer_once(services: ServiceContext, clock: Clock) -> None:
    _schedule(services, clock, 40)
    clock.advance(minutes=2)
    fired: Counter[int] = Counter()
    lock = threading.Lock()

    def probe(ctx: ServiceContext, uow: UnitOfWork, timer: Timer) -> None:
        with lock:
            fired[timer.payload["n"]] += 1

    threads = [threading.Thread(target=fire_due_timers, args=(services,),
                                kwargs={"handlers": {PROBE: probe}}) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fired == Counter({n: 1 for n in range(40)})


def test_a_firing_cut_short_fires_once_after_restart(services: ServiceContext,
                                                      clock: Clock) -> None:
    _schedule(services, clock, 1)
    clock.advance(minutes=2)
    calls: list[str] = []

    def crashing(ctx: ServiceContext, uow: UnitOfWork, timer: Timer) -> None:
        calls.append("crash")
        raise SystemError("process killed mid-way")

    def working(ctx: ServiceContext, uow: UnitOfWork, timer: Timer) -> None:
        calls.append("fired")

    assert fire_due_timers(services, handlers={PROBE: crashing}) == 0
    assert fire_due_timers(services, handlers={PROBE: working}) == 0  # still leased
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert fire_due_timers(services, handlers={PROBE: working}) == 1
    clock.advance(hours=1)
    assert fire_due_timers(services, handlers={PROBE: working}) == 0
    assert calls == ["crash", "fired"]

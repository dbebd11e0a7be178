"""The rate-limit budget on a real database: a window allows Slack's documented calls and then
says when the next may go; a 429 holds the limit and learns it down, and it creeps back; the
outbox claim skips effects waiting for a spent budget while other effects go; two processes
on one PostgreSQL database share one budget."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.budget import RECOVERY, Budget, Limit, allowed_now
from bot.delivery.claims import Waiting, claim_next
from bot.services.effects import URGENT, Effect
from bot.slack.limits import POST_EVERY, limit_of
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_a_window_allows_the_documented_calls_then_says_when(
        session_factory: sessionmaker[Session]) -> None:
    clock = Clock()
    budget = Budget(session_factory, clock=clock)
    create = Limit("conversations.create", 20, 61.0)
    assert [budget.take(create) for _ in range(20)] == [0.0] * 20  # a burst may go at once
    assert budget.take(create) == pytest.approx(61.0)
    clock.now += timedelta(seconds=30)
    assert budget.take(create) == pytest.approx(31.0)  # nothing spent while refused
    clock.now += timedelta(seconds=31)
    assert budget.take(create) == 0.0  # the first call left the window
    assert budget.take(Limit("chat.update", 50, 61.0)) == 0.0  # another method: its own


def test_a_429_holds_the_limit_and_learns_it_down_then_it_creeps_back(
        session_factory: sessionmaker[Session]) -> None:
    clock = Clock()
    budget = Budget(session_factory, clock=clock)
    update = Limit("chat.update", 50, 61.0)
    assert budget.take(update) == 0.0
    budget.refused(update, 5)
    assert budget.take(update) == pytest.approx(5.0)
    clock.now += timedelta(seconds=5)
    spent = 1
    while budget.take(update) == 0.0:
        spent += 1
    assert spent == 40  # 50 × 0.8 in the window now
    assert allowed_now(50, 40, clock.now, clock.now + timedelta(minutes=2)) == \
        pytest.approx(40 + 50 * RECOVERY * 2)
    assert allowed_now(50, 40, clock.now, clock.now + timedelta(hours=1)) == 50


def test_the_claim_skips_effects_waiting_for_a_spent_budget(
        uow_factory: Callable[[], UnitOfWork], session_factory: sessionmaker[Session]) -> None:
    budget = Budget(session_factory, first_waits={Effect.SET_TOPIC: "conversations.setTopic"})
    topic = Limit("conversations.setTopic", 1, 61.0)
    assert budget.take(topic) == 0.0  # spent for a minute
    with uow_factory() as uow:
        uow.outbox.enqueue(None, Effect.SET_TOPIC, {}, queueing_lock="set_topic:1",
                           priority=0)
        uow.outbox.enqueue("post:1", Effect.POST, {"channel": "C1", "text": "hi"})
        uow.outbox.enqueue("hint:1", Effect.INVITE_HINTS, {"invite_id": 1})
        uow.commit()
    with uow_factory() as uow:
        uow.session.execute(OutboxMessage.__table__.update()
                            .where(OutboxMessage.dedupe_key == "hint:1")
                            .values(waits_for="reactions.add"))
        uow.commit()
    assert budget.take(Limit("reactions.add", 1, 61.0)) == 0.0
    now = datetime.now(UTC)
    claimed = []
    with uow_factory() as uow:
        while ids := claim_next(uow, now, lease_until=now + timedelta(seconds=60),
                                waiting=Waiting(budget.spent(now), budget.first_waits)):
            claimed += ids
        kinds = [uow.session.get(OutboxMessage, i).kind for i in claimed]
        uow.commit()
    assert kinds == [Effect.POST]  # the topic (first call spent) and the hints wait


@pytest.mark.postgres
def test_two_processes_on_postgresql_share_one_budget(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share a budget on PostgreSQL")
    script = textwrap.dedent(f"""
        from bot.delivery.budget import Budget, Limit
        from models.db import make_engine, make_session_factory
        budget = Budget(make_session_factory(make_engine({database_url!r})))
        print(sum(budget.take(Limit("conversations.invite", 50, 61.0)) == 0.0
                  for _ in range(40)))
    """)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    runs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=env,
                             text=True) for _ in range(2)]
    granted = [int(run.communicate(timeout=120)[0].strip()) for run in runs]
    assert sum(granted) == 50, granted  # 80 asked, in one window: Slack's 50 went
    assert all(g > 0 for g in granted), granted  # each asked 40: both spent from it


def test_a_channel_takes_a_burst_and_one_refused_burst_teaches_every_channel(
        session_factory: sessionmaker[Session]) -> None:
    clock = Clock()
    budget = Budget(session_factory, clock=clock)
    first, second = (limit_of("chat.postMessage", {"channel": c}) for c in ("C1", "C2"))
    # a new case channel's first posts (history, experts, call, summary) go at once
    assert [budget.take(first) for _ in range(4)] == [0.0] * 4
    budget.refused(first, 3)  # Slack took 3 of them: the 4th was refused
    assert budget.take(first) >= 3.0  # held for the Retry-After (and its window)
    # every other channel now has Slack's burst of 3, at one post a POST_EVERY on average
    assert [budget.take(second) for _ in range(3)] == [0.0] * 3
    assert budget.take(second) == pytest.approx(3 * POST_EVERY)
    clock.now += timedelta(seconds=3 * POST_EVERY)
    assert budget.take(second) == 0.0
    # a refusal of a channel's first post is not about its burst: only that channel waits
    third = limit_of("chat.postMessage", {"channel": "C3"})
    assert budget.take(third) == 0.0
    budget.refused(third, 1)
    assert budget.take(third) == pytest.approx(1.0)
    clock.now += timedelta(seconds=1)
    assert [budget.take(third) for _ in range(2)] == [0.0] * 2  # 3 in its window, as before


def test_the_claim_spends_on_channels_and_invites_then_joins_then_refreshes(
        uow_factory: Callable[[], UnitOfWork]) -> None:
    # recorded in the wrong order on purpose: refreshes first, the new channel last
    with uow_factory() as uow:
        uow.outbox.enqueue(None, Effect.PUBLISH_HOME, {"user": "U1"}, queueing_lock="home:U1")
        uow.outbox.enqueue(None, Effect.SET_TOPIC, {}, queueing_lock="topic:2", lock="case:2")
        uow.outbox.enqueue("update:2", Effect.UPDATE_INVITE, {}, lock="case:2")
        uow.outbox.enqueue(None, Effect.SYNC_MEMBERS, {}, queueing_lock="members:1",
                           lock="case:1", priority=URGENT)
        uow.outbox.enqueue("create:3", Effect.CREATE_CHANNEL, {}, lock="case:3",
                           priority=URGENT)
        uow.outbox.enqueue("invite:3", Effect.SEND_INVITE, {}, lock="case:3", priority=URGENT)
        uow.commit()
    now = datetime.now(UTC)
    rounds = []
    with uow_factory() as uow:
        while ids := claim_next(uow, now, lease_until=now + timedelta(seconds=60),
                                waiting=Waiting([], {})):
            rounds.append([uow.session.get(OutboxMessage, i).kind for i in ids])
        uow.commit()
    assert rounds == [[Effect.CREATE_CHANNEL, Effect.SEND_INVITE], [Effect.SYNC_MEMBERS],
                      [Effect.PUBLISH_HOME], [Effect.SET_TOPIC, Effect.UPDATE_INVITE]]

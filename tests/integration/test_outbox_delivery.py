"""Slack side effects are delivered once, retried with backoff when Slack fails, wait for
what they depend on, and survive a crash between claim and delivery."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.delivery.claims import claim_next
from bot.delivery.deliver import DeliveryReport, deliver_next
from bot.delivery.protocol import NotReady, PermanentFailure
from bot.delivery.retry import MAX_BACKOFF, WAIT
from bot.services.context import ServiceContext
from models.case import Case
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork
from tests.integration.conftest import Clock


class RecordingExecutor:
    """Stands in for Slack at our own port: fails as told, records what it sent."""

    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.failures = list(failures or [])
        self.sent: list[dict[str, Any]] = []

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any]:
        return dict(message.payload)

    def send(self, message: OutboxMessage, prepared: dict[str, Any]) -> dict[str, Any]:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(prepared)
        return {"ts": f"{len(self.sent)}.0"}

    def apply(self, message: OutboxMessage, result: dict[str, Any], uow: UnitOfWork) -> None:
        return None


def deliver_due_now(services: ServiceContext, executors: dict[str, Any]) -> DeliveryReport:
    """What the dispatcher's workers do until nothing is due: deliver case after case."""
    total = DeliveryReport()
    while (report := deliver_next(services, executors)) is not None:
        for outcome in ("delivered", "retried", "failed"):
            setattr(total, outcome, getattr(total, outcome) + getattr(report, outcome))
    return total


def _record(services: ServiceContext, key: str = "k1") -> None:
    with services.uow() as uow:
        uow.outbox.enqueue(key, "post", {"text": key})
        uow.commit()


def _state(services: ServiceContext) -> tuple[str, int]:
    with services.uow() as uow:
        message = uow.session.query(OutboxMessage).one()
        return message.state, message.attempts


def test_delivered_once_even_if_recorded_twice(services: ServiceContext) -> None:
    executor = RecordingExecutor()
    _record(services)
    _record(services)
    deliver_due_now(services, {"post": executor})
    deliver_due_now(services, {"post": executor})
    assert executor.sent == [{"text": "k1"}]
    assert _state(services) == ("done", 0)


def test_a_slack_failure_is_retried_with_backoff(services: ServiceContext, clock: Clock) -> None:
    executor = RecordingExecutor([ConnectionError("slack down"), RuntimeError("500")])
    _record(services)
    assert deliver_due_now(services, {"post": executor}).retried == 1
    assert deliver_due_now(services, {"post": executor}).delivered == 0  # backing off
    clock.advance(seconds=2)
    deliver_due_now(services, {"post": executor})
    assert _state(services) == ("pending", 2)
    clock.advance(seconds=3)
    deliver_due_now(services, {"post": executor})
    assert executor.sent == []  # the second wait is twice as long
    clock.advance(seconds=1)
    deliver_due_now(services, {"post": executor})
    assert executor.sent == [{"text": "k1"}] and _state(services) == ("done", 2)


def test_waiting_for_a_dependency_does_not_use_up_attempts(services: ServiceContext,
                                                           clock: Clock) -> None:
    executor = RecordingExecutor([NotReady("no channel yet")] * 20)
    _record(services)
    for _ in range(20):  # tried again after a short wait, never counted as a failure
        deliver_due_now(services, {"post": executor})
        assert deliver_due_now(services, {"post": executor}).retried == 0  # waiting, not spinning
        clock.advance(seconds=WAIT.total_seconds())
    assert _state(services) == ("pending", 0)
    deliver_due_now(services, {"post": executor})
    assert _state(services) == ("done", 0)


def test_an_effect_waiting_for_its_case_goes_as_soon_as_the_case_wakes_it(
        services: ServiceContext) -> None:
    executor = RecordingExecutor([NotReady("no channel yet")])
    with services.uow() as uow:
        case = uow.cases.add(Case(title="t", severity="sev1", mode="swarm", owner_id="U1",
                                  created_at=uow.now()))
        uow.outbox.enqueue("k1", "post", {"text": "k1"}, case_id=case.id)
        uow.commit()
    assert deliver_next(services, {"post": executor}).retried == 1
    assert deliver_next(services, {"post": executor}) is None  # waiting
    with services.uow() as uow:
        uow.outbox.wake_case(case.id)  # e.g. its channel was created
        uow.commit()
    assert deliver_next(services, {"post": executor}).delivered == 1
    assert _state(services) == ("done", 0)


def test_a_transient_failure_is_retried_for_hours_at_most_five_minutes_apart(
        services: ServiceContext, clock: Clock) -> None:
    executor = RecordingExecutor([RuntimeError("500")] * 40)  # Slack down for hours
    _record(services, "a")
    tries = 0
    while not executor.sent:
        deliver_due_now(services, {"post": executor})
        tries += 1
        with services.uow() as uow:
            [message] = uow.session.query(OutboxMessage).all()
            assert message.state in ("pending", "done")
            assert message.scheduled_at - clock() <= MAX_BACKOFF
        clock.advance(seconds=MAX_BACKOFF.total_seconds())
    assert tries == 41 and _state(services) == ("done", 40)


def test_a_permanent_failure_ends_the_effect_and_the_owner_is_told(
        services: ServiceContext) -> None:
    executor = RecordingExecutor([PermanentFailure("Slack answered channel_not_found")])
    with services.uow() as uow:
        case = uow.cases.add(Case(title="t", severity="sev1", mode="swarm", owner_id="U1",
                                  created_at=uow.now()))
        uow.outbox.enqueue("k1", "post", {"text": "k1"}, case_id=case.id)
        uow.commit()
    notices = RecordingExecutor()
    report = deliver_due_now(services, {"post": executor, "delivery_failed": notices})
    assert report.failed == 1 and notices.sent == [{
        "case_id": case.id, "effect_id": 1, "kind": "post",
        "reason": "Slack answered channel_not_found"}]
    with services.uow() as uow:
        states = {m.kind: m.state for m in uow.session.query(OutboxMessage)}
    assert states == {"post": "failed", "delivery_failed": "done"}


def test_an_effect_waiting_for_a_channel_that_failed_for_good_fails_too(
        services: ServiceContext) -> None:
    class NeedsTheChannel(RecordingExecutor):
        def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any]:
            raise NotReady("no channel yet", needs=f"create_channel:{message.case_id}")

    with services.uow() as uow:
        case = uow.cases.add(Case(title="t", severity="sev1", mode="swarm", owner_id="U1",
                                  created_at=uow.now()))
        uow.outbox.enqueue(f"create_channel:{case.id}", "create_channel", {}, case_id=case.id)
        uow.outbox.enqueue("k1", "post", {"text": "k1"}, case_id=case.id)
        uow.commit()
    notices = RecordingExecutor()
    deliver_due_now(services, {
        "create_channel": RecordingExecutor([PermanentFailure("Slack answered invalid_auth")]),
        "post": NeedsTheChannel(), "delivery_failed": notices})
    with services.uow() as uow:
        states = {m.kind: (m.state, m.last_error) for m in uow.session.query(OutboxMessage)}
    assert states["post"] == ("failed", f"no channel yet (create_channel:{case.id} failed)")
    assert [n["kind"] for n in notices.sent] == ["create_channel"]  # told once, about the cause


def test_a_claim_left_by_a_crashed_process_is_delivered_after_its_lease(
        services: ServiceContext, clock: Clock) -> None:
    _record(services)
    with services.uow() as uow:  # a process claims it, then dies before sending
        claim_next(uow, clock(), lease_until=clock() + timedelta(seconds=60))
        uow.commit()
    executor = RecordingExecutor()
    deliver_due_now(services, {"post": executor})
    assert executor.sent == []
    clock.advance(seconds=61)
    deliver_due_now(services, {"post": executor})
    assert executor.sent == [{"text": "k1"}]


def test_a_refresh_waiting_for_its_channel_keeps_its_key_and_coalesces(
        services: ServiceContext, clock: Clock) -> None:
    class WaitsForTheChannel(RecordingExecutor):
        waits = 40

        def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any]:
            if self.waits:
                self.waits -= 1
                raise NotReady("no channel yet")
            return dict(message.payload)

    executor = WaitsForTheChannel()
    with services.uow() as uow:
        uow.outbox.enqueue(None, "set_topic", {"text": "topic"}, queueing_lock="set_topic:1")
        uow.commit()
    for _ in range(40):  # a key grown on every try outgrew its column (PostgreSQL refused it)
        deliver_due_now(services, {"set_topic": executor})
        clock.advance(seconds=WAIT.total_seconds())
        with services.uow() as uow:
            uow.outbox.enqueue(None, "set_topic", {"text": "again"}, queueing_lock="set_topic:1")
            uow.commit()
    deliver_due_now(services, {"set_topic": executor})
    with services.uow() as uow:
        [message] = uow.session.query(OutboxMessage).all()
        assert message.state == "done" and message.payload == {"text": "topic"}
        assert message.queueing_lock is None  # released: the next change is recorded anew


def _case(uow: UnitOfWork, title: str) -> Case:
    return uow.cases.add(Case(title=title, severity="sev1", mode="swarm", owner_id="U1",
                              created_at=uow.now()))


class Poisoned(RecordingExecutor):
    """An executor with a bug in one stage, for effects whose payload says `poison`."""

    def __init__(self, stage: str, error: Exception) -> None:
        super().__init__()
        self.stage, self.error = stage, error

    def _maybe(self, stage: str, payload: dict[str, Any]) -> None:
        if stage == self.stage and payload.get("poison"):
            raise self.error

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any]:
        self._maybe("prepare", message.payload)
        return super().prepare(message, uow)

    def send(self, message: OutboxMessage, prepared: dict[str, Any]) -> dict[str, Any]:
        self._maybe("send", prepared)
        return super().send(message, prepared)

    def apply(self, message: OutboxMessage, result: dict[str, Any], uow: UnitOfWork) -> None:
        if message.payload.get("poison"):
            uow.outbox.enqueue(f"follow-up:{message.id}", "post", {"text": "follow-up"})
        self._maybe("apply", message.payload)  # … after writing: that is undone


def _poisoned_next_to_a_good_one(services: ServiceContext) -> tuple[int, int]:
    with services.uow() as uow:
        bad, good = _case(uow, "bad"), _case(uow, "good")
        uow.outbox.enqueue("bad", "post", {"text": "bad", "poison": True}, case_id=bad.id)
        uow.outbox.enqueue("good", "post", {"text": "good"}, case_id=good.id)
        uow.commit()
        return bad.id, good.id


def _by_key(services: ServiceContext) -> dict[str, OutboxMessage]:
    with services.uow() as uow:
        rows = list(uow.session.query(OutboxMessage))
        uow.session.expunge_all()
    return {m.dedupe_key or "": m for m in rows}


@pytest.mark.parametrize("stage", ["prepare", "send", "apply"])
def test_an_effect_with_a_bug_fails_alone_and_the_owner_is_told(
        services: ServiceContext, stage: str) -> None:
    executor = Poisoned(stage, KeyError("no_such_kind"))
    notices = RecordingExecutor()
    bad_case, _ = _poisoned_next_to_a_good_one(services)
    for _ in range(5):  # the dispatcher's rounds
        deliver_due_now(services, {"post": executor, "delivery_failed": notices})
    rows = _by_key(services)
    assert {"text": "good"} in executor.sent and rows["good"].state == "done"
    bad = rows["bad"]
    assert (bad.state, bad.attempts) == ("failed", 1)
    assert bad.last_error is not None and "KeyError" in bad.last_error
    assert [(n["case_id"], n["effect_id"]) for n in notices.sent] == [(bad_case, bad.id)]
    assert f"follow-up:{bad.id}" not in rows  # apply's writes are undone with it


def test_an_unexpected_error_in_prepare_is_retried_with_backoff_alone(
        services: ServiceContext, clock: Clock) -> None:
    executor = Poisoned("prepare", RuntimeError("upstream hiccup"))
    _poisoned_next_to_a_good_one(services)
    deliver_due_now(services, {"post": executor})
    rows = _by_key(services)
    assert rows["good"].state == "done"
    bad = rows["bad"]
    assert (bad.state, bad.attempts) == ("pending", 1)
    assert bad.last_error == "RuntimeError: upstream hiccup"
    assert bad.scheduled_at > clock()  # backing off, not spinning
    clock.advance(seconds=2)
    deliver_due_now(services, {"post": executor})
    assert _by_key(services)["bad"].attempts == 2

"""The data model on a real database (SQLite and PostgreSQL): constraints that keep
duplicates out, UTC times, timers and outbox claims."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from bot.delivery.claims import claim_next
from models import Case, Invite, Participant
from models.db import make_engine, schema_is_current
from models.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
T0 = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


def _case(**overrides: object) -> Case:
    return Case(**{"title": "Checkout latency", "severity": "sev1", "owner_id": "U1", **overrides})


def test_migrations_create_every_table(database_url: str) -> None:
    engine = make_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"cases", "participants", "invites", "timeline_events", "status_updates",
            "level_changes", "timers", "experts", "resolution_history", "processed_events",
            "outbox", "alembic_version"} <= tables


def test_the_schema_is_known_to_be_current(database_url: str, tmp_path: object) -> None:
    assert schema_is_current(database_url)
    assert not schema_is_current(f"sqlite:///{tmp_path}/empty.sqlite3")  # serve refuses it


def test_the_migrations_build_exactly_the_models_schema(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from models import Base
    from models.db import make_engine

    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_times_come_back_as_aware_utc(uow_factory: UowFactory) -> None:
    berlin = datetime(2026, 3, 29, 3, 30, tzinfo=UTC).astimezone()  # any zone in, UTC out
    with uow_factory() as uow:
        case = uow.cases.add(_case(created_at=berlin))
        uow.commit()
        case_id = case.id
    with uow_factory() as uow:
        stored = uow.cases.get(case_id)
        assert stored is not None
        assert stored.created_at == berlin and stored.created_at.tzinfo is not None
        assert stored.created_at.utcoffset() == timedelta(0)


def test_a_webhook_case_is_stored_once_per_external_id(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.cases.add(_case(source="pagerduty", external_id="PD-1"))
        uow.cases.add(_case(owner_id=None))  # Slack-declared cases have no external id
        uow.cases.add(_case(owner_id=None))
        uow.commit()
    with uow_factory() as uow, pytest.raises(IntegrityError):
        uow.cases.add(_case(source="pagerduty", external_id="PD-1"))


def test_one_invite_per_expert_and_one_participation_per_user(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        case = uow.cases.add(_case())
        case.invites.append(Invite(expert_id="U2"))
        case.participants.append(Participant(user_id="U1", role="owner"))
        uow.commit()
        case_id = case.id
    with uow_factory() as uow, pytest.raises(IntegrityError):
        uow.session.add(Invite(case_id=case_id, expert_id="U2"))
        uow.session.flush()
    with uow_factory() as uow, pytest.raises(IntegrityError):
        uow.session.add(Participant(case_id=case_id, user_id="U1", role="expert"))
        uow.session.flush()


def test_a_retried_slack_event_is_recognised(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        assert uow.events.first_time("Ev01")
        assert not uow.events.first_time("Ev01")
        uow.commit()
    with uow_factory() as uow:
        assert not uow.events.first_time("Ev01")
        assert uow.events.first_time("Ev02")


def test_scheduling_a_timer_twice_keeps_one(uow_factory: UowFactory) -> None:
    """Twice in one transaction, and again in a later one (a retried request): one timer,
    due when it was first scheduled."""
    case_id = None
    for due in (T0, T0 + timedelta(hours=1)):
        with uow_factory() as uow:
            if case_id is None:
                case_id = uow.cases.add(_case()).id
            uow.timers.schedule("reminder:1", "status_reminder", due, case_id=case_id)
            uow.timers.schedule("reminder:1", "status_reminder", due, case_id=case_id)
            uow.commit()
    with uow_factory() as uow:
        claimed = uow.timers.claim_due(T0 + timedelta(days=1), owner="clock",
                                       lease_until=T0 + timedelta(days=2))
        assert [uow.timers.get(t).due_at for t in claimed] == [T0]


def test_a_due_timer_is_claimed_by_one_process_only(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.timers.schedule("t:1", "status_reminder", T0)
        uow.timers.schedule("t:2", "status_reminder", T0 + timedelta(hours=1))
        uow.commit()
    lease = T0 + timedelta(minutes=5)
    with uow_factory() as first:
        claimed = first.timers.claim_due(T0 + timedelta(minutes=1), owner="clock-a",
                                         lease_until=lease)
        first.commit()
    with uow_factory() as second:
        again = second.timers.claim_due(T0 + timedelta(minutes=1), owner="clock-b",
                                        lease_until=lease)
        second.commit()
    assert len(claimed) == 1 and again == []
    with uow_factory() as third:  # the lease ran out (process died): claimable again
        assert third.timers.claim_due(lease + timedelta(seconds=1), owner="clock-b",
                                      lease_until=lease + timedelta(minutes=5)) == claimed


def test_an_outbox_message_is_recorded_once(uow_factory: UowFactory) -> None:
    """The same intent recorded twice in one transaction, and again by a retried request, is
    one message; recorded in a transaction that does not commit, it is none."""
    for _ in range(2):
        with uow_factory() as uow:
            uow.outbox.enqueue("case:1:summary", "post_message", {"text": "hi"})
            uow.outbox.enqueue("case:1:summary", "post_message", {"text": "hi"})
            uow.commit()
    with uow_factory() as uow:
        uow.outbox.enqueue("case:1:topic", "set_topic", {})
    with uow_factory() as uow:
        claimed = claim_next(uow, datetime.now(UTC),
                             lease_until=datetime.now(UTC) + timedelta(minutes=1))
        assert [uow.outbox.get(m).dedupe_key for m in claimed] == ["case:1:summary"]


def test_the_outbox_sees_what_its_own_transaction_recorded(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.outbox.enqueue("case:1:summary", "post_message", {"text": "hi"}, priority=0)
        claimed = claim_next(uow, datetime.now(UTC),
                             lease_until=datetime.now(UTC) + timedelta(minutes=1))
        assert [uow.outbox.get(m).payload for m in claimed] == [{"text": "hi"}]


def test_a_reading_unit_of_work_never_waits_for_a_writer_and_cannot_commit(
        uow_factory: UowFactory) -> None:
    """`/swarm list`, the dashboard and the model's look at the history read while a
    declaration holds the writer: they see what was committed, not what is in flight."""
    import threading

    with uow_factory() as uow:
        uow.cases.add(_case(title="Committed before"))
        uow.commit()
    writing, read_done = threading.Event(), threading.Event()

    def declare_slowly() -> None:
        with uow_factory() as uow:
            uow.cases.add(_case(title="Still being declared"))
            uow.session.flush()  # holds the writer (SQLite) / the new row's lock (PostgreSQL)
            writing.set()
            read_done.wait(timeout=30)
            uow.commit()

    writer = threading.Thread(target=declare_slowly)
    writer.start()
    assert writing.wait(timeout=30)
    titles: list[str] = []

    def read() -> None:
        with uow_factory().reading() as uow:
            titles.extend(c.title for c in uow.cases.open_cases(limit=10))
        read_done.set()

    reader = threading.Thread(target=read)
    reader.start()
    reader.join(timeout=20)  # a reader queued behind the writer would still be waiting here
    finished = not reader.is_alive()
    read_done.set()
    writer.join()
    reader.join()
    assert finished, "the read waited for the writer to finish"
    assert titles == ["Committed before"]
    with uow_factory().reading() as uow, pytest.raises(RuntimeError, match="cannot commit"):
        uow.cases.add(_case(title="Sneaked in"))
        uow.commit()
    with uow_factory() as uow:
        assert {c.title for c in uow.cases.open_cases(limit=10)} == {
            "Committed before", "Still being declared"}

"""States and kinds are types, and the database keeps them so (SQLite and PostgreSQL): a
value outside its enum is refused, every member is accepted (a member added without a
migration fails here), and migration 0010 upgrades a database that holds cases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from enum import StrEnum

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from bot.domain.states import (
    ApprovalState,
    CaseMode,
    CaseStatus,
    EscalationTrigger,
    InviteState,
    ParticipantRole,
    TimelineKind,
)
from models.db import make_engine, upgrade
from models.scheduling import OutboxState, TimerKind, TimerState
from tests.conftest import POSTGRES_URL, _sqlalchemy_pg_url

# table, column, its enum, and a row of that table (SQL values) to set the column in
ROW = {
    "cases": "INSERT INTO cases (id, title, description, service, tags, severity, status, "
             "mode, is_private, source, created_at) VALUES (1, 't', '', '', '[]', 'sev3', "
             "'open', 'swarm', false, 'slack', '2026-11-01 10:00:00')",
    "participants": "INSERT INTO participants (id, case_id, user_id, role, joined_at) VALUES "
                    "(1, 1, 'U1', 'owner', '2026-11-01 10:00:00')",
    "invites": "INSERT INTO invites (id, case_id, expert_id, state, reason, created_at) "
               "VALUES (1, 1, 'U2', 'pending', '', '2026-11-01 10:00:00')",
    "timeline_events": "INSERT INTO timeline_events (id, case_id, at, kind, text, data, seq, "
                       "prev_hash, hash) VALUES (1, 1, '2026-11-01 10:00:00', 'declared', "
                       "'', '{}', 1, '', '')",
    "level_changes": "INSERT INTO level_changes (id, case_id, to_level, trigger, reason, at) "
                     "VALUES (1, 1, 'L1', 'manual', '', '2026-11-01 10:00:00')",
    "approvals": "INSERT INTO approvals (id, case_id, item, note, level, requested_by, state, "
                 "created_at) VALUES (1, 1, 'credit', '', 'L2', 'U1', 'pending', "
                 "'2026-11-01 10:00:00')",
    "timers": "INSERT INTO timers (id, key, kind, case_id, due_at, state, payload, created_at) "
              "VALUES (1, 'k', 'sla', 1, '2026-11-01 10:00:00', 'pending', '{}', "
              "'2026-11-01 10:00:00')",
    "outbox": "INSERT INTO outbox (id, kind, priority, payload, state, attempts, scheduled_at, "
              "result, created_at) VALUES (1, 'post', 1, '{}', 'pending', 0, "
              "'2026-11-01 10:00:00', '{}', '2026-11-01 10:00:00')",
}
COLUMNS: list[tuple[str, str, type[StrEnum]]] = [
    ("cases", "status", CaseStatus), ("cases", "mode", CaseMode),
    ("participants", "role", ParticipantRole), ("invites", "state", InviteState),
    ("timeline_events", "kind", TimelineKind), ("level_changes", "trigger", EscalationTrigger),
    ("approvals", "state", ApprovalState), ("timers", "kind", TimerKind),
    ("timers", "state", TimerState), ("outbox", "state", OutboxState),
]
IDS = [f"{table}.{column}" for table, column, _ in COLUMNS]


def _fill(connection, tables: list[str]) -> None:  # type: ignore[no-untyped-def]
    for table in ["cases", *tables]:
        connection.execute(text(ROW[table]))


@pytest.mark.parametrize(("table", "column", "states"), COLUMNS, ids=IDS)
def test_the_database_refuses_a_value_outside_the_enum(database_url: str, table: str,
                                                       column: str,
                                                       states: type[StrEnum]) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        _fill(connection, [table] if table != "cases" else [])
    with pytest.raises(IntegrityError, match=f"ck_{table}_{column}|CHECK constraint"), \
            engine.begin() as connection:
        connection.execute(text(f"UPDATE {table} SET {column} = 'bogus'"))
    with engine.connect() as connection:  # and nothing changed
        kept = connection.execute(text(f"SELECT {column} FROM {table}")).scalar_one()
    engine.dispose()
    assert kept != "bogus" and kept in set(states)


@pytest.mark.parametrize(("table", "column", "states"), COLUMNS, ids=IDS)
def test_every_member_can_be_stored_as_its_string(database_url: str, table: str, column: str,
                                                  states: type[StrEnum]) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        _fill(connection, [table] if table != "cases" else [])
        for member in states:
            connection.execute(text(f"UPDATE {table} SET {column} = :value"),
                               {"value": member.value})
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A database with no schema yet (to migrate step by step)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/old.sqlite3"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need TEST_POSTGRES_URL")
    admin = create_engine(_sqlalchemy_pg_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"swarmbot_m_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(_sqlalchemy_pg_url(POSTGRES_URL)).set(database=name).render_as_string(
        hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _count(engine, table: str) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_the_migration_keeps_every_case_and_what_hangs_off_it(empty_database: str) -> None:
    upgrade(empty_database, "0010")
    engine = make_engine(empty_database)
    with engine.begin() as connection:
        _fill(connection, [t for t in ROW if t != "cases"])
    upgrade(empty_database)
    assert {table: _count(engine, table) for table in ROW} == {table: 1 for table in ROW}
    with pytest.raises(IntegrityError), engine.begin() as connection:  # and it keeps them so
        connection.execute(text("UPDATE invites SET state = 'maybe'"))
    engine.dispose()


def test_the_migration_stops_and_names_a_value_it_does_not_know(empty_database: str) -> None:
    upgrade(empty_database, "0010")
    engine = make_engine(empty_database)
    with engine.begin() as connection:
        _fill(connection, ["timers"])
        connection.execute(text("UPDATE timers SET kind = 'nudge'"))
    with pytest.raises(RuntimeError, match=r"timers\.kind = 'nudge' \(1 rows\)"):
        upgrade(empty_database)
    with engine.connect() as connection:  # nothing changed: still at 0009, the row kept
        assert connection.execute(text("SELECT version_num FROM alembic_version")
                                  ).scalar_one() == "0010"
    assert _count(engine, "timers") == 1
    engine.dispose()

"""The timeline is append-only and tamper-evident: every event is chained by hash to the one
before it, and `swarmbot audit verify` finds any change, removal or reordering."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, delete, text, update

from bot.domain.case import parse_declaration
from bot.services import status
from bot.services.audit import verify_timelines
from bot.services.context import ServiceContext
from models import TimelineEvent
from models.db import upgrade
from tests.integration.conftest import Clock
from tests.integration.declaring import declare

ROOT = Path(__file__).resolve().parents[2]


def _case_with_history(services: ServiceContext, clock: Clock, title: str) -> int:
    case_id = declare(services, owner_id="UOWNER",
                                 draft=parse_declaration(f"{title} sev2")).case_id
    with services.uow() as uow:
        uow.cases.get(case_id).channel_id = f"C{case_id}"
        uow.commit()
    for n in range(3):
        clock.advance(minutes=5)
        status.post_status(services, channel_id=f"C{case_id}", actor="UOWNER",
                           text=f"update {n} — naïve ünïcode ✓")
    return case_id


def test_an_untouched_timeline_verifies(services: ServiceContext, clock: Clock) -> None:
    first = _case_with_history(services, clock, "Disk full")
    _case_with_history(services, clock, "Cert expired")
    report = verify_timelines(services)
    assert report.intact and report.cases == 2
    with services.uow() as uow:
        seqs = [e.seq for e in uow.timeline.for_case(first)]
    assert seqs == list(range(1, len(seqs) + 1))


def test_editing_removing_or_backdating_an_event_is_found(services: ServiceContext,
                                                          clock: Clock) -> None:
    edited = _case_with_history(services, clock, "Queue backlog")
    removed = _case_with_history(services, clock, "Login errors")
    backdated = _case_with_history(services, clock, "Slow search")
    with services.uow() as uow:
        uow.session.execute(update(TimelineEvent).where(
            TimelineEvent.case_id == edited, TimelineEvent.seq == 3).values(text="all good"))
        uow.session.execute(delete(TimelineEvent).where(
            TimelineEvent.case_id == removed, TimelineEvent.seq == 2))
        uow.session.execute(update(TimelineEvent).where(
            TimelineEvent.case_id == backdated, TimelineEvent.seq == 4).values(
            at=datetime(2020, 1, 1, tzinfo=UTC)))
        uow.commit()
    report = verify_timelines(services)
    found = {(b.case_id, b.seq, b.problem) for _, b in report.breaks}
    assert found == {
        (edited, 3, "its content was changed after it was recorded"),
        (removed, 2, "event #2 is missing (found #3 next)"),
        (backdated, 4, "its content was changed after it was recorded"),
    }


def test_the_cli_exits_1_and_names_the_case_when_the_trail_was_changed(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/swarmbot.sqlite3"
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}

    def verify() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", "audit", "verify"], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=60)

    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO cases (id, title, description, service, tags, "
                                "severity, status, mode, is_private, source, created_at, "
                                "resolution_summary) VALUES (7, 't', '', '', '[]', 'sev3', "
                                "'resolved', 'tiered', 0, 'slack', '2026-11-01 10:00:00', "
                                "'Resolved')"))
    from models.db import make_engine, make_session_factory
    from models.uow import UnitOfWork

    factory = make_session_factory(make_engine(url))
    with UnitOfWork(factory) as uow:
        uow.timeline.record(7, "declared", "Declared", at=datetime(2026, 11, 1, 10, tzinfo=UTC))
        uow.timeline.record(7, "resolved", "Resolved", at=datetime(2026, 11, 1, 11, tzinfo=UTC))
        uow.commit()
    ok = verify()
    assert ok.returncode == 0, ok.stderr
    assert "audit trail of 1 cases, 2 events: intact" in ok.stdout
    with engine.begin() as connection:
        connection.execute(text("UPDATE timeline_events SET actor = 'UMALLORY' WHERE seq = 1"))
    broken = verify()
    assert broken.returncode == 1
    assert "case #0007: timeline broken at event 1" in broken.stderr
    assert "BROKEN in 1 case(s)" in broken.stdout


def test_events_recorded_before_the_audit_trail_are_sealed_by_the_migration(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/old.sqlite3"
    upgrade(url, "0002")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO cases (id, title, description, service, tags, "
                                "severity, status, mode, is_private, source, created_at) VALUES "
                                "(1, 't', '', '', '[]', 'sev3', 'resolved', 'tiered', 0, "
                                "'slack', '2026-11-01 10:00:00')"))
        connection.execute(text("UPDATE cases SET resolution_summary = 'resolved text', "
                                "owner_id = 'U1'"))  # what its timeline below says
        for minute, kind in ((0, "declared"), (5, "status_update"), (9, "resolved")):
            connection.execute(text(
                "INSERT INTO timeline_events (case_id, at, kind, actor, text, data) VALUES "
                f"(1, '2026-11-01 10:0{minute}:00.000000', '{kind}', 'U1', '{kind} text', "
                "'{\"n\": 1}')"))
    upgrade(url)
    from bot.config import load_settings
    from models.db import make_engine, make_session_factory
    from models.uow import UnitOfWork

    factory = make_session_factory(make_engine(url))
    services = ServiceContext(settings=load_settings(_env_file=None),
                              uow=lambda: UnitOfWork(factory), now=lambda: datetime.now(UTC))
    report = verify_timelines(services)
    assert report.intact and report.events == 3
    with factory() as session:  # new events continue the sealed chain
        with UnitOfWork(factory) as uow:
            uow.timeline.record(1, "reopened", "Reopened")
            uow.cases.get(1).status = "open"
            uow.commit()
        assert session.execute(text("SELECT max(seq) FROM timeline_events")).scalar() == 4
    assert verify_timelines(services).intact


def test_editing_the_case_record_itself_is_found(services: ServiceContext,
                                                 clock: Clock) -> None:
    """`UPDATE cases SET severity=…, owner_id=…, resolution_summary=…` leaves every event
    intact, but the case record no longer is what its chain says."""
    from bot.services import resolution
    from models import Case

    forged = {name: _case_with_history(services, clock, f"Case {name}")
              for name in ("severity", "owner_id", "resolution_summary", "status")}
    honest = _case_with_history(services, clock, "Left alone")
    for case_id in (forged["resolution_summary"], honest):
        resolution.resolve_case(services, channel_id=f"C{case_id}", actor="UOWNER",
                                summary="Restarted the worker")
    assert verify_timelines(services).intact
    values = {"severity": "sev4", "owner_id": "UMALLORY",
              "resolution_summary": "Nothing was wrong", "status": "resolved"}
    with services.uow() as uow:
        for name, case_id in forged.items():
            uow.session.execute(update(Case).where(Case.id == case_id).values(
                {name: values[name]}))
        uow.commit()
    report = verify_timelines(services)
    found = {b.case_id: b.field for _, b in report.breaks}
    assert found == {case_id: name for name, case_id in forged.items()}
    assert all("case record" in b.problem for _, b in report.breaks)

"""Alerts of one group arriving at the same moment at two `swarmbot serve` web processes on
one PostgreSQL database (bench/fleet.py) open ONE case and one channel, and every alert is
recorded on it — for a new group, and again for a group whose case was resolved (its row is
there: it is locked, SELECT … FOR UPDATE, before a case is opened).
PostgreSQL only; skipped without TEST_POSTGRES_URL, which CI sets."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from bench.fleet import Fleet, people
from bot.sandbox.emulator import SlackEmulator
from models import Alert, Case
from tests.reliability.test_concurrency import SETTLE, at_once, settle

pytestmark = pytest.mark.e2e

TOKEN = "alert-groups-token"


@pytest.fixture
def fleet(database_url: str, tmp_path: Path
          ) -> Iterator[tuple[SlackEmulator, Fleet, dict[str, str]]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("two web processes share a database on PostgreSQL only")
    emulator = SlackEmulator(signing_secret="alert-groups-secret", bot_token="xoxb-alerts")
    emulator.start()
    try:
        users = people(emulator)
        with Fleet(emulator, database_url, users, web=2, workers=1, folder=tmp_path,
                   env={"SWARMBOT_HOOKS_TOKEN": TOKEN}) as running:
            yield emulator, running, users
    finally:
        emulator.stop()


def body(fingerprint: str, starts: str = "2026-11-17T10:00:00Z") -> dict[str, object]:
    return {"version": "4", "groupKey": "{}:{alertname=\"OrdersBacklog\"}", "status": "firing",
            "commonLabels": {"alertname": "OrdersBacklog", "severity": "warning"},
            "alerts": [{"status": "firing", "fingerprint": fingerprint,
                        "labels": {"queue": fingerprint},
                        "annotations": {"summary": f"Orders backlog on {fingerprint}"},
                        "startsAt": starts}]}


def burst(running: Fleet, n: int, starts: str) -> list[requests.Response]:
    """`n` alerts of the group at once, taking turns between the web processes."""
    ports = running.ports

    def send(i: int):  # noqa: ANN202
        return lambda: requests.post(
            f"http://127.0.0.1:{ports[i % len(ports)]}/hooks/alertmanager",
            json=body(f"q{i}", starts), headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=120)

    answers = at_once([send(i) for i in range(n)])
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
    return answers


def test_one_group_at_once_on_two_web_processes_opens_one_case(fleet) -> None:
    emulator, running, users = fleet
    n = 40
    answers = burst(running, n, "2026-11-17T10:00:00Z")
    assert sum(a.json()["opened"] for a in answers) == 1
    assert {tuple(a.json()["cases"]) for a in answers} == {("#0001",)}
    settle(running)
    with running.services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Case)) == 1
        assert uow.session.scalar(select(func.count()).select_from(Alert)) == n
    [channel] = [c for c in emulator.channels() if c["name"].startswith("swarm-")]

    # the case is resolved; the group fires again, at once, on both processes: one new case
    emulator.slash_command(users["maya"], "/swarm", "claim", channel=channel["id"])
    emulator.slash_command(users["maya"], "/swarm", "resolve Drained the queue",
                           channel=channel["id"])
    deadline = time.monotonic() + SETTLE
    while time.monotonic() < deadline:
        with running.services.uow() as uow:
            if uow.cases.get(1).status == "resolved":
                break
        time.sleep(0.2)
    answers = burst(running, n, "2026-11-17T11:00:00Z")
    assert sum(a.json()["opened"] for a in answers) == 1, [a.json() for a in answers]
    assert {tuple(a.json()["cases"]) for a in answers} == {("#0002",)}
    settle(running)
    with running.services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Case)) == 2
        assert uow.session.scalar(select(func.count()).select_from(Alert)) == 2 * n
    assert len([c for c in emulator.channels() if c["name"].startswith("swarm-")]) == 2

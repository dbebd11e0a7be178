"""Export for BI tools: every case with its measured times, every timeline event with its
audit hash, as CSV or JSON Lines."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.domain.case import parse_declaration
from bot.domain.errors import InvalidInput
from bot.services import resolution, swarm
from bot.services.context import ServiceContext
from bot.services.export import CASE_FIELDS, EVENT_FIELDS, case_rows, event_rows, write_rows
from tests.integration.conftest import Clock
from tests.integration.declaring import declare


def _resolved_swarm(services: ServiceContext, clock: Clock) -> int:
    case_id = declare(services, owner_id="UOWNER", draft=parse_declaration(
        "Checkout 500s, \"quoted\", comma sev1 service:checkout #web")).case_id
    with services.uow() as uow:
        uow.cases.get(case_id).channel_id = "CCASE"
        uow.commit()
    clock.advance(minutes=6)
    swarm.add_people(services, channel_id="CCASE", actor="UOWNER", user_ids=["UEXP9"])
    clock.advance(minutes=30)
    resolution.resolve_case(services, channel_id="CCASE", actor="UOWNER", summary="Rolled back")
    return case_id


def test_cases_export_as_csv_with_their_measured_times(services: ServiceContext,
                                                       clock: Clock) -> None:
    case_id = _resolved_swarm(services, clock)
    out = io.StringIO()
    assert write_rows(case_rows(services), CASE_FIELDS, out, "csv") == 1
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["id"] == str(case_id) and row["title"] == 'Checkout 500s, "quoted", comma'
    assert (row["severity"], row["mode"], row["status"], row["tags"]) == (
        "sev1", "swarm", "resolved", "web")
    assert (row["minutes_to_acknowledge"], row["minutes_to_first_expert"],
            row["minutes_to_resolve"]) == ("0.0", "6.0", "36.0")
    assert row["invites_sent"] == "3"


def test_timeline_exports_as_json_lines_with_hashes(services: ServiceContext,
                                                    clock: Clock) -> None:
    case_id = _resolved_swarm(services, clock)
    out = io.StringIO()
    count = write_rows(event_rows(services), EVENT_FIELDS, out, "jsonl")
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(events) == count and [e["seq"] for e in events] == list(range(1, count + 1))
    assert {e["case_id"] for e in events} == {case_id}
    assert events[0]["kind"] == "declared" and events[-1]["kind"] == "resolved"
    assert all(len(e["hash"]) == 64 for e in events)
    with pytest.raises(InvalidInput, match="Export as one of csv, jsonl"):
        write_rows(event_rows(services), EVENT_FIELDS, io.StringIO(), "xlsx")


def test_the_cli_writes_an_export_file(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
           "PYTHONPATH": str(root)}
    target = tmp_path / "cases.csv"
    done = subprocess.run([sys.executable, "-m", "bot.cli", "export", "cases", "--out",
                           str(target), "--since", "30d"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "exported 0 cases rows" in done.stderr
    assert target.read_text().splitlines() == [",".join(CASE_FIELDS)]
    bad = subprocess.run([sys.executable, "-m", "bot.cli", "export", "cases", "--since",
                          "lately"], env=env, cwd=tmp_path, capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "is not a period" in bad.stderr

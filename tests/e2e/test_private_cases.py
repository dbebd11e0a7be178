"""What a private case shows to people not in it — over real HTTP, to every surface that
reaches them: an approver's DM (and its update once decided), a follow-up owner's DM, the
dashboard's page, exports and review, the CLI's export and review. All of them show
"Private case" with ids and times, never the title, status texts, notes, items or lessons;
the people in the case see everything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from bot.sandbox.emulator import SlackEmulator
from tests.e2e.conftest import DASHBOARD_TOKEN, Clock, RunningBot, Workspace
from tests.e2e.test_swarming_flow import _case_channel
from tests.e2e.test_tiered_escalation import _decided, _dm

pytestmark = pytest.mark.e2e

TITLE = "Vendor keys leaked in TITLE-SECRET repo"
SECRETS = ("TITLE-SECRET", "Vendor keys", "STATUS-SECRET", "NOTE-SECRET", "ITEM-SECRET",
           "SUMMARY-SECRET", "LESSON-SECRET", "vendor-keys")


def _hidden(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{where} shows {secret!r}:\n{text[:3000]}"


def _private_case(emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace,
                  clock: Clock) -> str:
    """A private case that went through everything: status, approval asked of someone
    outside it (who approves from their DM), a follow-up for them, resolved, a lesson."""
    olivia, priya = parcelly["olivia"], parcelly["priya"]
    emulator.slash_command(olivia, "/swarm", f"new {TITLE} sev4 #security",
                           channel=parcelly.general)
    channel = _case_channel(emulator)["id"]
    emulator.slash_command(olivia, "/swarm", "status Rotated STATUS-SECRET", channel=channel)
    emulator.slash_command(olivia, "/swarm", "approve legal NOTE-SECRET counsel asked",
                           channel=channel)
    emulator.slash_command(olivia, "/swarm", f"followup Tell ITEM-SECRET <@{priya}|priya>",
                           channel=channel)
    bot.settle()
    request = _dm(emulator, priya, "Approval needed")
    emulator.click(priya, request["channel"], request["ts"], "approval.approve")
    emulator.wait_for(lambda: _decided(_dm(emulator, priya, "Approval needed"), priya),
                      timeout=10)
    clock.advance(minutes=20)
    emulator.slash_command(olivia, "/swarm", "resolve Revoked SUMMARY-SECRET", channel=channel)
    bot.settle()  # (a lesson racing the resolution's delivery can deadlock on PostgreSQL)
    emulator.slash_command(olivia, "/swarm", "review LESSON-SECRET", channel=channel)
    assert "Added to the review" in emulator.ephemerals(olivia)[-1]["text"]
    bot.settle()
    return channel


def test_an_approver_or_follow_up_owner_outside_it_gets_no_title_or_texts(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    priya = parcelly["priya"]
    channel = _private_case(emulator, bot, parcelly, clock)
    # Priya approves at Executive, but she is not in the case: her DMs say which case and
    # what needs approving (a policy item), not what the case is about — before and after
    # the decision.
    request = _dm(emulator, priya, "Approval needed")
    assert "#0001" in json.dumps(request) and "Private case" in json.dumps(request)
    assert "legal" in json.dumps(request) and _decided(request, priya)
    followup = _dm(emulator, priya, "follow-up")
    assert "#0001" in followup["text"] and "Private case" in followup["text"]
    _hidden("priya's DMs", json.dumps(emulator.dm_messages(priya)))
    # Its channel's name, shown beyond its members, names it as outsiders see it.
    assert emulator.channel(channel)["name"] == "swarm-0001-private-case"
    # The case channel, read by the people in it, has it all.
    in_channel = json.dumps(emulator.messages(channel))
    for secret in ("NOTE-SECRET", "STATUS-SECRET", "ITEM-SECRET", "LESSON-SECRET"):
        assert secret in in_channel


def test_the_dashboard_shows_it_as_private_case_with_ids_and_times(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    _private_case(emulator, bot, parcelly, clock)
    auth = {"Authorization": f"Bearer {DASHBOARD_TOKEN}"}
    for path in ("/dashboard", "/dashboard/export/cases.csv", "/dashboard/export/cases.jsonl",
                 "/dashboard/export/timeline.csv", "/dashboard/export/timeline.jsonl",
                 "/dashboard/cases/1/review.md"):
        answer = requests.get(f"{bot.url}{path}", headers=auth, timeout=30)
        assert answer.status_code == 200, path
        _hidden(path, answer.text)
    cases = requests.get(f"{bot.url}/dashboard/export/cases.jsonl", headers=auth,
                         timeout=30).json()
    assert cases["title"] == "Private case" and cases["reference"] == "#0001"
    assert cases["private"] is True and cases["minutes_to_resolve"] == "20.0"
    events = [json.loads(line) for line in requests.get(
        f"{bot.url}/dashboard/export/timeline.jsonl", headers=auth, timeout=30).text.splitlines()]
    assert {"declared", "status_update", "approval_requested", "lesson"} <= {
        e["kind"] for e in events}
    assert all(e["text"] == "" and e["at"] and len(e["hash"]) == 64 for e in events)
    review = requests.get(f"{bot.url}/dashboard/cases/1/review.md", headers=auth,
                          timeout=30).text
    assert review.startswith("# Review of case #0001: Private case")
    assert "— status update" in review  # each entry by its kind, with its time


def test_the_cli_export_and_review_read_the_same_way(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock,
        database_url: str) -> None:
    _private_case(emulator, bot, parcelly, clock)
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(root)}
    for args in (["export", "cases", "--format", "jsonl"], ["export", "timeline"],
                 ["review", "1"]):
        done = subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env,
                              capture_output=True, text=True, timeout=120, cwd=root)
        assert done.returncode == 0, done.stderr
        assert "Private case" in done.stdout or args[1] == "timeline"
        _hidden(f"swarmbot {' '.join(args)}", done.stdout)

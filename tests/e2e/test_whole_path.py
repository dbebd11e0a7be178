"""The whole swarming path in one story, over real HTTP against the emulator: declare →
channel → recommendations → invite → accept by reaction → status reminder (moved clock) →
status update → resolve → the resolution is in the history the recommender learns from."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.sandbox.emulator import SlackEmulator
from bot.services.timers import fire_due_timers
from models import ResolutionRecord
from tests.e2e.conftest import Clock, RunningBot, Workspace
from tests.e2e.test_swarming_flow import _case_channel, _invites_to, _snapshot

pytestmark = pytest.mark.e2e


def _texts(emulator: SlackEmulator, channel: str) -> list[str]:
    return [m.get("text") or "" for m in emulator.messages(channel)]


def test_declare_swarm_update_resolve_and_learn(emulator: SlackEmulator, bot: RunningBot,
                                                parcelly: Workspace, clock: Clock) -> None:
    maya = parcelly["maya"]
    emulator.slash_command(maya, "/swarm", "new Replication lag on the primary sev1 service:db "
                           "#postgres", channel=parcelly.general)
    channel = _case_channel(emulator)["id"]
    emulator.wait_for(lambda: any("Recommended experts" in t for t in _texts(emulator, channel)))
    emulator.wait_for(lambda: len(_invites_to(emulator, parcelly)) == 3, timeout=10)
    invites = _invites_to(emulator, parcelly)
    assert {"ines", "maya"} & set(invites) == {"ines"}, invites  # db people; never the owner

    expert = "ines"
    emulator.react(parcelly[expert], invites[expert]["channel"], invites[expert]["ts"],
                   "white_check_mark")
    emulator.wait_for(lambda: parcelly[expert] in _snapshot(emulator, channel)["members"])

    clock.advance(minutes=16)  # sev1: a status update is due every 15 minutes
    fire_due_timers(bot.container.services)
    emulator.wait_for(lambda: any("time for a status update" in t and maya in t
                                  for t in _texts(emulator, channel)))

    emulator.slash_command(maya, "/swarm", "status Replica caught up after vacuum",
                           channel=channel)
    emulator.wait_for(lambda: any("Replica caught up" in t
                                  for t in _texts(emulator, parcelly.incidents)))

    emulator.slash_command(maya, "/swarm", f"followup Alert on long vacuums <@{parcelly['ines']}>",
                           channel=channel)
    emulator.wait_for(lambda: any("gave you a follow-up" in (m.get("text") or "")
                                  for m in emulator.dm_messages(parcelly["ines"])))
    clock.advance(minutes=9)
    emulator.slash_command(maya, "/swarm", "resolve Long-running vacuum blocked replication; "
                           "killed it and tuned autovacuum", channel=channel)
    emulator.wait_for(lambda: any("Case #0001 resolved" in t and "25 min" in t
                                  for t in _texts(emulator, channel)))
    resolution = next(m for m in emulator.messages(channel)
                      if "Case #0001 resolved" in (m.get("text") or ""))
    assert f"<@{parcelly[expert]}>" in str(resolution["blocks"])  # who helped
    assert "F1 Alert on long vacuums" in str(resolution["blocks"])  # the follow-ups

    with bot.container.uow() as uow:
        [record] = uow.session.scalars(select(ResolutionRecord)).all()
        assert record.resolvers == [maya, parcelly[expert]]
        assert record.title == "Replication lag on the primary"
        assert record.tags == ["postgres"] and record.service == "db"

    # maya declared it for herself and resolved it: nobody is asked to confirm her own fix
    assert "case.confirm_resolution" not in str(resolution["blocks"])

    # the post-case review: drafted from the timeline, lessons added from the channel
    emulator.wait_for(lambda: any(t.startswith("Review of case #0001") for t in
                                  _texts(emulator, channel)))
    review = next(m for m in emulator.messages(channel)
                  if (m.get("text") or "").startswith("Review of case #0001"))
    drafted = str(review["blocks"])
    assert "swarm: 25 min" in drafted and "What went well?" in drafted
    assert f"<@{maya}>: 1 status updates, 1 resolutions" in drafted
    emulator.slash_command(parcelly[expert], "/swarm", "review Alert on vacuum runtime",
                           channel=channel)
    emulator.wait_for(lambda: "Alert on vacuum runtime" in str(next(
        m for m in emulator.messages(channel) if m["ts"] == review["ts"])["blocks"]))
    assert sum(t.startswith("Review of case") for t in _texts(emulator, channel)) == 1


def test_double_clicks_and_repeated_commands_create_nothing_twice(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    import requests

    body = {"title": "Search down", "external_id": "OPS-9", "severity": "sev2", "service": "search"}
    auth = {"Authorization": "Bearer e2e-hooks-token"}
    for _ in range(3):
        requests.post(f"{bot.url}/hooks/cases", json=body, headers=auth, timeout=5)
    channel = _case_channel(emulator)["id"]
    summary = emulator.wait_for(lambda: next((m for m in emulator.messages(channel)
                                              if "Claim this case" in str(m.get("blocks"))), None))
    emulator.click(parcelly["ana"], channel, summary["ts"], "case.claim")
    emulator.click(parcelly["ana"], channel, summary["ts"], "case.claim")
    emulator.wait_for(lambda: len(emulator.ephemerals(parcelly["ana"])) >= 2)
    assert "already own" in emulator.ephemerals(parcelly["ana"])[-1]["text"]
    bot.settle()
    assert len([c for c in emulator.channels() if c["name"].startswith("swarm-")]) == 1
    assert len(emulator.calls("conversations.create")) == 1
    claimed = [t for t in _texts(emulator, channel) if "claimed this case" in t]
    assert len(claimed) == 1
    invites = _invites_to(emulator, parcelly)
    assert len(invites) == 3 and len({m["ts"] for m in invites.values()}) == 3

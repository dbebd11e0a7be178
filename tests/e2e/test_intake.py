"""Opening and naming cases from where the problem already is: a case named from any
channel (`#12`, `12`, a channel mention), reopened after its channel was archived; the
message shortcut; reaction intake; `--here`; pinning messages to the timeline."""

from __future__ import annotations

import pytest

from bot.sandbox.emulator import SlackEmulator
from bot.services.timers import fire_due_timers
from tests.e2e.conftest import Clock, RunningBot, Workspace
from tests.e2e.test_swarming_flow import _case_channel, _channels, _snapshot

pytestmark = pytest.mark.e2e


def _last_answer(emulator: SlackEmulator, user: str) -> str:
    return str(emulator.ephemerals(user)[-1]["text"])


def test_a_case_is_named_from_any_channel(emulator: SlackEmulator, bot: RunningBot,
                                          parcelly: Workspace) -> None:
    maya = parcelly["maya"]
    emulator.slash_command(maya, "/swarm", "new Orders stuck sev2 service:orders",
                           channel=parcelly.general)
    channel = _case_channel(emulator)
    emulator.slash_command(maya, "/swarm", "status #1 Consumer restarted",
                           channel=parcelly.general)
    emulator.wait_for(lambda: any("Consumer restarted" in (m.get("text") or "")
                                  for m in emulator.messages(channel["id"])))
    emulator.slash_command(maya, "/swarm", f"status #{channel['name']} Lag draining",
                           channel=parcelly.general)  # a channel mention, as Slack escapes it
    emulator.wait_for(lambda: any("Lag draining" in (m.get("text") or "")
                                  for m in emulator.messages(channel["id"])))
    emulator.slash_command(maya, "/swarm", "severity 1 sev1", channel=parcelly.general)
    emulator.wait_for(lambda: "sev1" in (_snapshot(emulator, channel["id"])["topic"] or ""))


def test_an_unknown_case_reference_is_answered_and_changes_nothing(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    maya = parcelly["maya"]
    emulator.slash_command(maya, "/swarm", "new Orders stuck sev2 service:orders",
                           channel=parcelly.general)
    channel = _case_channel(emulator)
    emulator.slash_command(maya, "/swarm", "resolve #42 Fixed it", channel=parcelly.general)
    assert "There is no case #0042" in _last_answer(emulator, maya)
    emulator.slash_command(maya, "/swarm", "resolve Fixed it", channel=parcelly.general)
    assert "name the case first" in _last_answer(emulator, maya)
    bot.settle()
    assert not any("Case #0001 resolved" in (m.get("text") or "")
               for m in emulator.messages(channel["id"]))


def test_reopening_after_the_archive_opens_a_new_channel(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    maya = parcelly["maya"]
    emulator.slash_command(maya, "/swarm", "new Disk almost full sev2 service:db",
                           channel=parcelly.general)
    old = _case_channel(emulator)
    emulator.slash_command(maya, "/swarm", "resolve Rotated the WAL", channel=old["id"])
    clock.advance(minutes=61)
    fire_due_timers(bot.container.services)
    bot.container.dispatcher.kick()
    emulator.wait_for(lambda: _snapshot(emulator, old["id"])["is_archived"], timeout=20)

    emulator.slash_command(maya, "/swarm", "reopen 1", channel=parcelly.general)
    answer = _last_answer(emulator, maya)
    assert "Case #0001 is open again" in answer and "new channel" in answer
    emulator.wait_for(lambda: any(c["name"].startswith("swarm-0001") and not c["is_archived"]
                                  and c["id"] != old["id"] for c in _channels(emulator)),
                      timeout=20)
    new = next(c for c in _channels(emulator)
               if c["name"].startswith("swarm-0001") and c["id"] != old["id"])
    emulator.wait_for(lambda: maya in _snapshot(emulator, new["id"])["members"], timeout=20)
    emulator.wait_for(lambda: any("reopened" in (m.get("text") or "")
                                  for m in emulator.messages(new["id"])), timeout=20)
    emulator.slash_command(maya, "/swarm", "status Watching the disk", channel=new["id"])
    emulator.wait_for(lambda: any("Watching the disk" in (m.get("text") or "")
                                  for m in emulator.messages(new["id"])))

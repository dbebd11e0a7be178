"""Incident workflows over real signed HTTP, with the sandbox's policy: a payments sev1
announces itself to stakeholders with the call link (which also goes in the topic), and its
resolution offers a retro button that runs once."""

from __future__ import annotations

import pytest

from bot.sandbox.emulator import SlackEmulator
from tests.e2e.conftest import RunningBot, Workspace
from tests.e2e.test_swarming_flow import _case_channel, _snapshot

pytestmark = pytest.mark.e2e


def _texts(emulator: SlackEmulator, channel: str) -> list[str]:
    return [m.get("text") or "" for m in emulator.messages(channel)]


def test_a_payments_sev1_runs_its_workflow_and_offers_a_retro(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    maya = parcelly["maya"]
    emulator.slash_command(maya, "/swarm", "new Card payments declined sev1 service:payments",
                           channel=parcelly.general)
    channel = _case_channel(emulator)["id"]
    emulator.wait_for(lambda: f"sev1 on payments: Card payments declined — follow in "
                              f"<#{channel}>" in " ".join(_texts(emulator, parcelly.incidents)))
    emulator.wait_for(lambda: "call https://meet.parcelly.example/war-room" in
                      (_snapshot(emulator, channel)["topic"] or ""))

    emulator.slash_command(maya, "/swarm", "resolve Acquirer outage; failed over",
                           channel=channel)
    # behind the resolution's own posts: one channel takes about a post a second (Slack's
    # limit, which the bot's budget keeps to)
    emulator.wait_for(lambda: any("Workflow retro is ready" in t
                                  for t in _texts(emulator, channel)), timeout=30)
    offer = next(m for m in emulator.messages(channel)
                 if "Workflow retro is ready" in (m.get("text") or ""))
    emulator.click(parcelly["lars"], channel, offer["ts"], "workflow.run")
    emulator.wait_for(lambda: "Only people working on this case" in
                      emulator.ephemerals(parcelly["lars"])[-1]["text"])
    emulator.click(maya, channel, offer["ts"], "workflow.run")
    emulator.wait_for(lambda: any("Retro to schedule for #0001" in t
                                  for t in _texts(emulator, parcelly.incidents)))
    emulator.click(maya, channel, offer["ts"], "workflow.run")
    emulator.wait_for(lambda: "already ran" in emulator.ephemerals(maya)[-1]["text"])

"""A low-severity ticket on the escalation levels, over real signed HTTP against the emulator:
placed at L1 with its responders in the channel, SLA warning and escalation on a moved clock,
hand-off with the whole story, acknowledgement, an approval only the right level can give,
and the switch to a swarm when the severity is raised."""

from __future__ import annotations

import pytest

from bot.sandbox.emulator import SlackEmulator
from bot.services.timers import fire_due_timers
from tests.e2e.conftest import Clock, RunningBot, Workspace
from tests.e2e.test_swarming_flow import _case_channel, _invites_to, _snapshot

pytestmark = pytest.mark.e2e


def _texts(emulator: SlackEmulator, channel: str) -> list[str]:
    return [m.get("text") or "" for m in emulator.messages(channel)]


def _said(emulator: SlackEmulator, channel: str, *parts: str) -> None:
    emulator.wait_for(lambda: any(all(p in t for p in parts) for t in _texts(emulator, channel)),
                      timeout=10)


def _dm(emulator: SlackEmulator, user: str, needle: str) -> dict:
    emulator.wait_for(lambda: any(needle in (m.get("text") or "")
                                  for m in emulator.dm_messages(user)), timeout=10)
    return next(m for m in emulator.dm_messages(user) if needle in (m.get("text") or ""))


def _decided(message: dict, by: str) -> bool:
    blocks = message.get("blocks") or []
    return not any(b["type"] == "actions" for b in blocks) and f"*Approved* by <@{by}>" in \
        str(blocks)


def _answer(emulator: SlackEmulator, user: str) -> str:
    return emulator.ephemerals(user)[-1]["text"]


def test_a_ticket_walks_up_the_levels_and_becomes_a_swarm(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    olivia, sam, tom, maya = (parcelly[h] for h in ("olivia", "sam", "tom", "maya"))
    emulator.slash_command(olivia, "/swarm", "new Customer cannot download invoices sev4 "
                           "service:orders", channel=parcelly.general)
    channel = _case_channel(emulator)["id"]
    _said(emulator, channel, "Placed at L1", f"<@{sam}>", "Acknowledge within 15 min")
    emulator.wait_for(lambda: {olivia, sam, parcelly["kenji"]} <=
                      set(_snapshot(emulator, channel)["members"]))
    assert "Customer cannot download invoices" in str(_dm(emulator, sam, "is at L1")["blocks"])

    emulator.slash_command(olivia, "/swarm", "status Regenerated the PDF, still a 404",
                           channel=channel)
    clock.advance(minutes=12)
    fire_due_timers(bot.container.services)
    _said(emulator, channel, "L1's response SLA (15 min) runs out in 3 min")

    clock.advance(minutes=3)
    fire_due_timers(bot.container.services)
    _said(emulator, channel, "Escalated L1 → L2", "response SLA of 15 min passed", f"<@{tom}>")
    handoff = _dm(emulator, tom, "is at L2")
    story = str(handoff["blocks"])  # the whole story, so nobody asks the customer again
    assert "Regenerated the PDF, still a 404" in story
    assert "Placed at L1" in story and f"<@{olivia}>" in story

    emulator.slash_command(tom, "/swarm", "ack", channel=channel)
    assert _answer(emulator, tom) == "You acknowledged case #0001 at L2."
    _said(emulator, channel, f"<@{tom}> acknowledged the case at L2")

    result = emulator.slash_command(tom, "/swarm", "escalate L9", channel=channel)
    assert result.status == 200 and "not a level" in _answer(emulator, tom)

    emulator.slash_command(olivia, "/swarm", "approve customer_credit 3 months of fees",
                           channel=channel)
    assert "requested from L3" in _answer(emulator, olivia)
    _said(emulator, channel, "Approval needed on #0001: customer_credit (L3)")
    request = next(m for m in emulator.messages(channel)
                   if "Approval needed" in (m.get("text") or ""))
    _dm(emulator, maya, "Approval needed")
    emulator.click(tom, channel, request["ts"], "approval.approve")
    emulator.wait_for(lambda: "L2 has no authority" in _answer(emulator, tom))
    emulator.click(maya, channel, request["ts"], "approval.approve")
    _said(emulator, channel, "`customer_credit` approved by", f"<@{maya}> (L3)")
    # every copy of the request (channel, the approver's DM) now shows the decision instead
    # of buttons nobody may press any more
    emulator.wait_for(lambda: _decided(next(m for m in emulator.messages(channel)
                                            if m["ts"] == request["ts"]), maya), timeout=10)
    emulator.wait_for(lambda: _decided(_dm(emulator, maya, "Approval needed"), maya), timeout=10)

    emulator.slash_command(olivia, "/swarm", "severity sev2", channel=channel)
    _said(emulator, channel, "Severity changed sev4 → *sev2*")
    emulator.wait_for(lambda: len(_invites_to(emulator, parcelly)) >= 1, timeout=10)
    emulator.slash_command(tom, "/swarm", "escalate", channel=channel)
    assert "is swarmed" in _answer(emulator, tom)

    emulator.slash_command(maya, "/swarm", "stats 7d", channel=parcelly.general)
    stats = emulator.ephemerals(maya)[-1]
    assert stats["text"].startswith("1 cases in the last 7d: 0 resolved")
    shown = str(stats["blocks"])
    assert "*Escalation rate (tiered):* 100%" in shown and "*SLA breaches:* L1 1" in shown
    assert "*Hand-offs:* 1" in shown
    emulator.slash_command(maya, "/swarm", "stats lately", channel=parcelly.general)
    assert "is not a period" in _answer(emulator, maya)

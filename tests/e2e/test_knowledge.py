"""The past at hand over real signed HTTP, with the model trained on Parcelly's history: a
declared case's channel shows the similar resolved cases (who fixed them and how) and the
forecast; `/swarm similar` answers in a case channel and with words anywhere."""

from __future__ import annotations

import re

import pytest

from bot.sandbox.emulator import SlackEmulator
from tests.e2e.conftest import RunningBot, Workspace
from tests.e2e.test_swarming_flow import _case_channel

pytestmark = pytest.mark.e2e


def test_the_case_channel_starts_with_what_worked_before(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    maya = parcelly["maya"]
    emulator.slash_command(maya, "/swarm", "new Duplicate charges in eu-west sev2 "
                           "service:payments #stripe", channel=parcelly.general)
    channel = _case_channel(emulator)["id"]
    outlook = emulator.wait_for(lambda: next(
        (m["text"] for m in emulator.messages(channel)
         if (m.get("text") or "").startswith(":books:")), None))
    similar = [line for line in outlook.splitlines() if line.startswith("• PCL-")]
    assert similar and all("Duplicate charges in" in line for line in similar)
    assert "Refunded the duplicates and made the charge call idempotent" in similar[0]
    assert re.search(r"resolved by <@U[A-Z0-9]+>", similar[0])  # handles became people
    assert re.search(r"Forecast: \d+% of past cases like this needed more than one person",
                     outlook)

    answer = emulator.slash_command(maya, "/swarm", "similar", channel=channel).body
    assert "Duplicate charges in" in answer["text"]
    answer = emulator.slash_command(parcelly["tom"], "/swarm", "similar coupon codes rejected",
                                    channel=parcelly.general).body
    assert "Coupon codes rejected in" in answer["text"]
    assert "Re-enabled the coupon service feature flag" in answer["text"]
    assert answer["response_type"] == "ephemeral"

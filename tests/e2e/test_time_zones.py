"""People's time zones come from Slack — users.info when the bot first works with them, and
user_change when they move — and decide when a non-urgent invite may be sent."""

from __future__ import annotations

import pytest

from bot.sandbox.emulator import SlackEmulator
from tests.e2e.conftest import RunningBot, Workspace

pytestmark = pytest.mark.e2e


def _tz(bot: RunningBot, user: str) -> str | None:
    with bot.container.uow() as uow:
        expert = uow.experts.get(user)
        return expert.tz if expert else None


def test_time_zones_follow_slack_profiles(emulator: SlackEmulator, bot: RunningBot,
                                          parcelly: Workspace) -> None:
    kenji = parcelly["kenji"]
    assert _tz(bot, kenji) is None  # the test workspace registers people without a zone
    emulator.slash_command(kenji, "/swarm", "skills add swift", channel=parcelly.general)
    emulator.wait_for(lambda: _tz(bot, kenji) == "Asia/Tokyo")  # from users.info
    emulator.change_time_zone(kenji, "Europe/Lisbon")
    emulator.wait_for(lambda: _tz(bot, kenji) == "Europe/Lisbon")  # from user_change
    stranger = emulator.add_user("visitor", tz="Asia/Kolkata")
    emulator.change_time_zone(stranger, "UTC")
    assert _tz(bot, stranger) is None  # people the bot never worked with are not kept

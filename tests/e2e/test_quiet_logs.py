"""What every process prints: no bolt warning at start ("`token` … will be ignored"), and
none per message people type in a channel the bot is in, or per reaction taken back."""

from __future__ import annotations

import logging

import pytest

from bot.sandbox.emulator import SlackEmulator
from tests.e2e.conftest import BOT_TOKEN, RunningBot

pytestmark = pytest.mark.e2e


def _warnings(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if r.levelno >= logging.WARNING]


@pytest.fixture(autouse=True)
def _capture_warnings(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.WARNING)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)  # as a deployment has it: bolt reads it


def test_starting_the_bot_warns_of_nothing(bot: RunningBot,
                                           caplog: pytest.LogCaptureFixture) -> None:
    assert _warnings(caplog.get_records("setup")) == []


def test_messages_and_taken_back_reactions_warn_of_nothing(
        bot: RunningBot, emulator: SlackEmulator, caplog: pytest.LogCaptureFixture) -> None:
    alice = emulator.add_user("alice")
    general = emulator.add_channel("general", members=[alice, emulator.bot_user_id])
    posted = emulator.send_message(alice, general, "is checkout slow for anyone else?")
    assert posted.ok
    ts = emulator.workspace.channels[general].messages[-1]["ts"]
    emulator.react(alice, general, ts, "eyes")
    taken_back = emulator.unreact(alice, general, ts, "eyes")
    assert taken_back.ok
    assert _warnings(caplog.records) == []

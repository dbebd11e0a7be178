"""The wiring, end to end: a signed slash command reaches the bot over real HTTP and gets an
ephemeral answer; unsigned, wrongly signed and stale requests are refused."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from bot.sandbox.emulator import SlackEmulator
from tests.e2e.conftest import RunningBot

pytestmark = pytest.mark.e2e


def test_signed_help_gets_an_ephemeral_answer(emulator: SlackEmulator, bot: RunningBot) -> None:
    alice = emulator.add_user("alice", real_name="Alice Smith")
    general = emulator.add_channel("general", members=[alice])
    result = emulator.slash_command(alice, "/swarm", "help", channel=general)
    assert result.status == 200 and not result.timed_out
    shown = emulator.ephemerals(alice)
    assert shown, "the user saw no answer"
    text = str(shown[-1].get("blocks") or shown[-1].get("text"))
    assert "/swarm new" in text and "/swarm resolve" in text
    assert emulator.messages(general) == []  # ephemeral: nothing posted for everyone


def _command_body(user: str, channel: str) -> bytes:
    return urlencode({"command": "/swarm", "text": "help", "user_id": user,
                      "channel_id": channel, "team_id": "T0001",
                      "response_url": "http://127.0.0.1:1/none", "trigger_id": "1.2.3"}).encode()


@pytest.mark.parametrize("tamper", ["unsigned", "wrong_secret", "stale"])
def test_unverified_requests_are_refused(emulator: SlackEmulator, bot: RunningBot,
                                         tamper: str) -> None:
    alice = emulator.add_user("alice")
    body = _command_body(alice, "C1")
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if tamper == "unsigned":
        status, _ = emulator.post_to_bot(body, headers, sign=False)
    elif tamper == "wrong_secret":
        status, _ = emulator.post_to_bot(body, headers, secret="not-the-secret")
    else:
        status, _ = emulator.post_to_bot(body, headers, timestamp=int(time.time()) - 6 * 60)
    assert status == 401
    assert emulator.ephemerals(alice) == []

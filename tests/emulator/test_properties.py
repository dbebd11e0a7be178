"""Properties: channel-name rules over many names, and unique increasing ts under
concurrent posting (the emulator is shared by the bot's threads)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk import WebClient

from bot.sandbox.emulator import SlackEmulator, SlackError
from bot.sandbox.emulator.api_conversations import check_channel_name

ALLOWED = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=80)


@given(ALLOWED.filter(lambda n: any(c.isalnum() for c in n)))
@settings(max_examples=200)
def test_names_of_allowed_characters_are_accepted(name: str) -> None:
    assert check_channel_name(name) == name


@given(st.text(min_size=1, max_size=80).filter(
    lambda n: any(c.isascii() and not (c.islower() or c.isdigit() or c in "-_") for c in n)))
@settings(max_examples=200)
def test_ascii_specials_and_capitals_are_refused(name: str) -> None:
    with pytest.raises(SlackError) as refused:
        check_channel_name(name)
    assert refused.value.code == "invalid_name_specials"


def test_lowercase_letters_of_other_scripts_are_accepted_unless_the_workspace_refuses_them(
        ) -> None:
    for name in ("swarm-0006-決済が失敗する", "swarm-0006-ошибка-оплаты", "swarm-0006-결제-실패"):
        assert check_channel_name(name) == name
        with pytest.raises(SlackError) as refused:
            check_channel_name(name, ascii_only=True)
        assert refused.value.code == "invalid_name_specials"
    with pytest.raises(SlackError) as capitals:
        check_channel_name("swarm-0006-ОШИБКА")
    assert capitals.value.code == "invalid_name_specials"


def test_concurrent_posts_get_unique_increasing_ts(emu: SlackEmulator) -> None:
    general = emu.add_channel("general")
    client = WebClient(token="xoxb-emulator-test", base_url=emu.api_url)

    def post(n: int) -> str:
        return client.chat_postMessage(channel=general, text=str(n))["ts"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        stamps = list(pool.map(post, range(64)))
    in_channel = [m["ts"] for m in emu.messages(general)]
    assert len(set(stamps)) == 64 and sorted(stamps, key=float) == in_channel
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)

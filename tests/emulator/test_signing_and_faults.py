"""Signatures slack_sdk verifies, fault injection and strict rate limits."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from bot.sandbox.emulator import SlackEmulator
from tests.emulator.conftest import SECRET, TOKEN, slack_error


def test_signatures_verify_with_slack_sdk(emu: SlackEmulator) -> None:
    verifier = SignatureVerifier(SECRET)
    body, stamp = b"token=x&text=help", int(time.time())
    signature = emu.sign(body, stamp)
    assert verifier.is_valid(body, str(stamp), signature)
    assert not verifier.is_valid(body + b"x", str(stamp), signature)       # tampered
    assert not verifier.is_valid(body, str(stamp), emu.sign(body, stamp, "other-secret"))
    old = stamp - 6 * 60                                                   # stale
    assert not verifier.is_valid(body, str(old), emu.sign(body, old))


def test_error_and_http_500_faults(emu: SlackEmulator, client: WebClient) -> None:
    general = emu.add_channel("general")
    emu.faults.add("chat.postMessage", kind="error", error="fatal_error")
    assert slack_error(lambda: client.chat_postMessage(channel=general, text="x")) == \
        "fatal_error"
    emu.faults.add("*", kind="http_500", when=lambda p: p.get("channel") == general)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=general, text="x")
    assert raised.value.response.status_code == 500
    assert client.chat_postMessage(channel=general, text="now fine")["ok"]
    assert [c["status"] for c in emu.calls("chat.postMessage")] == [200, 500, 200]
    assert [m["text"] for m in emu.messages(general)] == ["now fine"]


def test_rate_limited_fault_and_slack_sdk_retry_handler(emu: SlackEmulator) -> None:
    general = emu.add_channel("general")
    plain = WebClient(token=TOKEN, base_url=emu.api_url)
    emu.faults.add("chat.postMessage", kind="rate_limited", retry_after=1)
    with pytest.raises(SlackApiError) as limited:
        plain.chat_postMessage(channel=general, text="x")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "1"
    assert limited.value.response["error"] == "ratelimited"
    patient = WebClient(token=TOKEN, base_url=emu.api_url,
                        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
    emu.faults.add("chat.postMessage", kind="rate_limited", retry_after=1)
    started = time.monotonic()
    assert patient.chat_postMessage(channel=general, text="after waiting")["ok"]
    assert time.monotonic() - started >= 1.0


def test_timeout_fault_that_slack_applied_anyway(emu: SlackEmulator) -> None:
    impatient = WebClient(token=TOKEN, base_url=emu.api_url, timeout=0.3)
    emu.faults.add("conversations.create", kind="timeout", seconds=1.0, applied=True)
    with pytest.raises(TimeoutError):
        impatient.conversations_create(name="swarm-0001")
    # The channel exists though the client never heard: a retry must cope with name_taken.
    assert emu.channel("swarm-0001")["created_by"] == emu.bot_user_id
    assert slack_error(lambda: impatient.conversations_create(name="swarm-0001")) == \
        "name_taken"
    assert emu.faults.pending() == []


def test_strict_mode_limits_bursts_per_channel(emu: SlackEmulator, client: WebClient) -> None:
    general, other = emu.add_channel("general"), emu.add_channel("other")
    emu.strict = True
    statuses = []
    for n in range(5):
        try:
            client.chat_postMessage(channel=general, text=f"burst {n}")
            statuses.append(200)
        except SlackApiError as error:
            statuses.append(error.response.status_code)
            assert int(error.response.headers["Retry-After"]) >= 1
    assert statuses[:3] == [200, 200, 200] and set(statuses[3:]) == {429}
    assert client.chat_postMessage(channel=other, text="another channel")["ok"]
    emu.strict = False
    assert client.chat_postMessage(channel=general, text="relaxed")["ok"]


def test_strict_mode_tier_limits(emu: SlackEmulator, client: WebClient) -> None:
    emu.strict = True
    for n in range(20):  # conversations.create is Tier 2: 20 a minute
        client.conversations_create(name=f"c{n}")
    with pytest.raises(SlackApiError) as limited:
        client.conversations_create(name="one-too-many")
    assert limited.value.response.status_code == 429

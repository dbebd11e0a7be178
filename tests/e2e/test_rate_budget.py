"""Slack's rate limits spent as a budget, against the emulator in strict rate-limit mode over
real HTTP: a method Slack holds back (429, Retry-After) holds back only its own effects — the
bot does not knock on it again before the Retry-After, and a new case's channel and invites
go out meanwhile — and once it has room the held effects go."""

from __future__ import annotations

import time

import pytest

from bot.sandbox.emulator import SlackEmulator
from tests.e2e.conftest import RunningBot, Workspace
from tests.e2e.test_swarming_flow import _declare, _invites_to


@pytest.fixture
def extra_settings() -> dict[str, object]:
    return {"slack_budget": True}  # whatever SWARMBOT_SLACK_BUDGET says

pytestmark = pytest.mark.e2e

HOLD = 8  # seconds Slack asks the bot to wait before calling chat.update again


def _calls(emulator: SlackEmulator, method: str) -> list[dict]:
    return emulator.calls(method)


def test_a_method_held_back_holds_back_only_its_own_effects(emulator: SlackEmulator,
                                                            bot: RunningBot,
                                                            parcelly: Workspace) -> None:
    emulator.strict = True
    emulator.faults.add("chat.update", kind="rate_limited", retry_after=HOLD, times=1)
    assert _declare(emulator, parcelly, "Checkout down sev1 service:checkout").status == 200
    emulator.wait_for(lambda: len(_invites_to(emulator, parcelly)) == 3, timeout=30)
    handle, invite = next(iter(_invites_to(emulator, parcelly).items()))
    # accepting edits the invite (chat.update): Slack answers 429, wait HOLD seconds
    assert emulator.react(parcelly[handle], invite["channel"], invite["ts"],
                          "white_check_mark").ok
    emulator.wait_for(lambda: any(c["status"] == 429 for c in _calls(emulator, "chat.update")),
                      timeout=30)
    held_at = time.time()
    # another expert accepts: their invite's edit waits for chat.update too (no knocking)
    other, second = [(h, m) for h, m in _invites_to(emulator, parcelly).items() if h != handle][0]
    assert emulator.react(parcelly[other], second["channel"], second["ts"],
                          "white_check_mark").ok

    # meanwhile a second case opens: its channel and invites do not wait for chat.update
    assert _declare(emulator, parcelly, "Search index stale sev1 service:search",
                    who="lars").status == 200
    emulator.wait_for(lambda: any(c["name"].startswith("swarm-0002")
                                  for c in emulator.channels()), timeout=30)
    emulator.wait_for(lambda: sum(
        "Swarm invite: #0002" in (m.get("text") or "")
        for user in parcelly.users.values() for m in emulator.dm_messages(user)) >= 3,
        timeout=30)
    second_case_ready = time.time()
    assert second_case_ready < held_at + HOLD, "the second case waited for chat.update"
    during_hold = [c for c in _calls(emulator, "chat.update") if c["at"] < held_at + HOLD]
    assert len(during_hold) == 1, f"chat.update knocked {len(during_hold)} times"

    # once the Retry-After is over, the held edits go, without another 429
    for who, sent in ((handle, invite), (other, second)):
        emulator.wait_for(lambda who=who, sent=sent: any(
            m.get("edited") for m in emulator.dm_messages(parcelly[who])
            if m["ts"] == sent["ts"]), timeout=60)
    bot.settle(timeout=60)
    updates = _calls(emulator, "chat.update")
    assert [c["status"] for c in updates].count(429) == 1
    assert all(c["at"] >= held_at + HOLD - 0.5 for c in updates if c["status"] != 429)


def _case_posts(emulator: SlackEmulator, prefix: str) -> list[dict]:
    """The chat.postMessage calls Slack took in the case channel named `prefix`…"""
    channel = next(c["id"] for c in emulator.channels() if c["name"].startswith(prefix))
    return [c for c in _calls(emulator, "chat.postMessage")
            if c["params"].get("channel") == channel and c["status"] == 200]


def test_a_new_case_channels_first_posts_go_at_once_and_a_join_does_not_wait(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    # A quiet case is as fast with the budget as without: the channel's history, experts,
    # call and summary posts and the first "joined the swarm" go in one short burst — Slack
    # allows "short bursts" — not the fourth after a 3-post window slides (3.3 s).
    assert _declare(emulator, parcelly, "Card payments declined sev1 service:payments"
                    ).status == 200
    emulator.wait_for(lambda: len(_invites_to(emulator, parcelly)) == 3, timeout=30)
    emulator.wait_for(lambda: len(_case_posts(emulator, "swarm-0001")) >= 4, timeout=30)
    handle, invite = next(iter(_invites_to(emulator, parcelly).items()))
    assert emulator.react(parcelly[handle], invite["channel"], invite["ts"],
                          "white_check_mark").ok
    emulator.wait_for(lambda: any("joined the swarm" in (c["params"].get("text") or "")
                                  for c in _case_posts(emulator, "swarm-0001")), timeout=30)
    posts = _case_posts(emulator, "swarm-0001")
    first = min(c["at"] for c in posts)
    late = [(c["params"].get("text") or "")[:40] for c in posts if c["at"] > first + 3.0]
    assert not late, f"posts that waited for the channel's window: {late}"


def test_one_refused_burst_teaches_every_channel(emulator: SlackEmulator, bot: RunningBot,
                                                 parcelly: Workspace) -> None:
    # Slack in strict mode takes 3 posts in any 3 s to a channel: the first case channel's
    # fourth post is refused once and the budget learns the burst for every channel — the
    # second case's channel gets no 429, and nothing is posted twice or lost.
    emulator.strict = True
    assert _declare(emulator, parcelly, "Checkout down sev1 service:checkout").status == 200
    emulator.wait_for(lambda: len(_case_posts(emulator, "swarm-0001")) >= 4, timeout=30)
    assert _declare(emulator, parcelly, "Cart totals wrong sev1 service:checkout",
                    who="lars").status == 200
    emulator.wait_for(lambda: any(c["name"].startswith("swarm-0002")
                                  for c in emulator.channels()), timeout=30)
    emulator.wait_for(lambda: len(_case_posts(emulator, "swarm-0002")) >= 4, timeout=30)
    bot.settle(timeout=60)
    refused = [c["params"].get("channel") for c in _calls(emulator, "chat.postMessage")
               if c["status"] == 429]
    assert len(refused) <= 1, f"posts refused: {refused}"
    for prefix in ("swarm-0001", "swarm-0002"):
        texts = [c["params"].get("text") for c in _case_posts(emulator, prefix)]
        assert len(texts) == len(set(texts)) >= 4, texts

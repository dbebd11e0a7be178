"""The other ways in: the declare form (modal), App Home, and Slack delivering the same
event twice."""

from __future__ import annotations

import pytest

from bot.sandbox.emulator import SlackEmulator
from tests.e2e.conftest import RunningBot, Workspace, over_both_transports
from tests.e2e.test_swarming_flow import _case_channel, _invites_to, _snapshot

pytestmark = pytest.mark.e2e


@over_both_transports
def test_declaring_through_the_form(emulator: SlackEmulator, bot: RunningBot,
                                    parcelly: Workspace) -> None:
    maya = parcelly["maya"]
    emulator.slash_command(maya, "/swarm", "new", channel=parcelly.general)
    [view] = emulator.open_views(maya)
    refused = emulator.submit_view(maya, view["id"], {"case_title": {"value": "   "},
                                                     "case_severity": {"value": "sev2"}})
    assert refused.body["response_action"] == "errors"
    assert "needs a title" in refused.body["errors"]["case_title"]
    assert not any(c["name"].startswith("swarm-") for c in emulator.channels())
    accepted = emulator.submit_view(maya, view["id"], {
        "case_title": {"value": "Refunds stuck"}, "case_severity": {"value": "sev2"},
        "case_service": {"value": "Payments"}, "case_description": {"value": "Since 9:00"}})
    assert accepted.status == 200 and not emulator.open_views(maya)
    channel = _case_channel(emulator)
    assert channel["name"] == "swarm-0001-refunds-stuck"
    emulator.wait_for(lambda: any("Since 9:00" in str(m.get("blocks"))
                                  for m in emulator.messages(channel["id"])))


@over_both_transports
def test_app_home_shows_my_cases_and_my_invites(emulator: SlackEmulator, bot: RunningBot,
                                                parcelly: Workspace) -> None:
    emulator.slash_command(parcelly["maya"], "/swarm", "new Checkout broken sev1 service:checkout",
                           channel=parcelly.general)
    emulator.wait_for(lambda: len(_invites_to(emulator, parcelly)) == 3, timeout=10)
    invited = next(iter(_invites_to(emulator, parcelly)))
    emulator.open_home(parcelly["maya"])
    emulator.wait_for(lambda: "Checkout broken" in str(emulator.home_view(parcelly["maya"])))
    assert "Your open cases" in str(emulator.home_view(parcelly["maya"]))
    emulator.open_home(parcelly[invited])
    emulator.wait_for(
        lambda: "Invites waiting for you" in str(emulator.home_view(parcelly[invited]))
        and "Checkout broken" in str(emulator.home_view(parcelly[invited])))


@over_both_transports
def test_the_same_reaction_delivered_twice_joins_once(emulator: SlackEmulator, bot: RunningBot,
                                                     parcelly: Workspace) -> None:
    emulator.slash_command(parcelly["maya"], "/swarm", "new Orders stuck sev1 service:orders",
                           channel=parcelly.general)
    channel = _case_channel(emulator)
    emulator.wait_for(lambda: len(_invites_to(emulator, parcelly)) == 3, timeout=10)
    handle, invite = next(iter(_invites_to(emulator, parcelly).items()))
    first = emulator.react(parcelly[handle], invite["channel"], invite["ts"], "raising_hand")
    assert first.ok
    replay = emulator.deliver_event(emulator.last_event, event_id=first.event_id)
    assert replay.ok
    emulator.wait_for(lambda: parcelly[handle] in _snapshot(emulator, channel["id"])["members"])
    bot.settle()
    joined = [m for m in emulator.messages(channel["id"])
              if "joined the swarm" in (m.get("text") or "")]
    assert len(joined) == 1


def test_slack_retrying_an_event_over_http_is_handled_once(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    """A retry is the same event (same event_id) signed anew: it must not be done twice —
    here, the Home tab built and published twice (over Socket Mode: test_socket_mode)."""
    import json
    import time

    from bot.sandbox.emulator import payloads

    body = json.dumps(payloads.event_callback(
        team_id="T0001", api_app_id="A0001", bot_user_id=emulator.bot_user_id,
        event_id="EvRetried1", event={"type": "app_home_opened", "user": parcelly["maya"],
                                      "tab": "home", "event_ts": f"{time.time():.6f}"})).encode()
    now = int(time.time())
    headers = {"Content-Type": "application/json"}
    assert emulator.post_to_bot(body, headers, timestamp=now - 1)[0] == 200
    bot.settle()
    retry = {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert emulator.post_to_bot(body, retry, timestamp=now)[0] == 200
    bot.settle()
    assert len(emulator.calls("views.publish")) == 1

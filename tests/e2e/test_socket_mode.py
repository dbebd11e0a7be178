"""Socket Mode's own edges, the bot connected to the emulator with an app-level token: an
ack lost with its connection (the envelope comes again, the work is done once), Slack
recycling the connection (refresh_requested) or turning Socket Mode off (link_disabled),
and /healthz saying how the connection is."""

from __future__ import annotations

import pytest
import requests
from pydantic import SecretStr

from bot.bootstrap import build
from bot.sandbox.emulator import SlackEmulator
from bot.web.server import WebServer
from tests.e2e.conftest import RunningBot, Workspace
from tests.e2e.test_swarming_flow import _case_channel, _invites_to, _snapshot

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("transport", ["socket"], indirect=True)]


def _sent(emulator: SlackEmulator, kind: str) -> list[dict]:
    return [m for m in emulator.socket.log if m["direction"] == "out" and m.get("type") == kind]


def test_a_reaction_whose_ack_is_lost_with_the_connection_comes_again_and_joins_once(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    emulator.slash_command(parcelly["maya"], "/swarm", "new Orders stuck sev1 service:orders",
                           channel=parcelly.general)
    channel = _case_channel(emulator)
    emulator.wait_for(lambda: len(_invites_to(emulator, parcelly)) == 3, timeout=10)
    handle, invite = next(iter(_invites_to(emulator, parcelly).items()))
    opened = emulator.socket.connections_opened

    emulator.socket.drop_before_ack()  # the bot does the work; its ack dies with the link
    delivery = emulator.react(parcelly[handle], invite["channel"], invite["ts"],
                              "white_check_mark")

    assert delivery.ok
    assert emulator.socket.connections_opened > opened  # the bot reconnected
    sent = [m for m in _sent(emulator, "events_api")
            if m["payload"]["event_id"] == delivery.event_id]
    assert [m["retry_attempt"] for m in sent] == [0, 1]  # delivered, then redelivered
    assert sent[0]["envelope_id"] == sent[1]["envelope_id"]
    emulator.wait_for(lambda: parcelly[handle] in _snapshot(emulator, channel["id"])["members"])
    bot.settle()
    joined = [m for m in emulator.messages(channel["id"])
              if "joined the swarm" in (m.get("text") or "")]
    assert len(joined) == 1


def test_a_command_whose_ack_is_lost_opens_one_case(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    emulator.socket.drop_before_ack()
    result = emulator.slash_command(parcelly["maya"], "/swarm",
                                    "new Checkout down sev1 service:checkout",
                                    channel=parcelly.general)
    assert result.status == 200  # the redelivered envelope was acknowledged
    assert len(_sent(emulator, "slash_commands")) == 2
    _case_channel(emulator)
    bot.settle()
    assert [c["name"] for c in emulator.channels() if c["name"].startswith("swarm-")] \
        == ["swarm-0001-checkout-down"]
    # the copy is not taken for a second declaration ("You declared this a moment ago")
    answers = [e["text"] for e in emulator.ephemerals(parcelly["maya"])]
    assert not any("a moment ago" in text for text in answers), answers


def test_an_event_whose_ack_is_lost_is_handled_once(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    emulator.socket.drop_before_ack()
    delivery = emulator.open_home(parcelly["maya"])
    assert delivery.ok and len(delivery.attempts) == 1  # redelivered within the attempt
    emulator.wait_for(lambda: emulator.home_view(parcelly["maya"]))
    bot.settle()
    assert len(emulator.calls("views.publish")) == 1  # not the Home tab built twice


def test_slack_recycling_the_connection_loses_nothing_and_health_says_so(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    health = requests.get(f"{bot.url}/healthz", timeout=5).json()
    assert health["slack"]["mode"] == "socket" and health["slack"]["connected"] is True
    before = health["slack"]["connections_opened"]

    emulator.socket.refresh()  # disconnect: refresh_requested
    emulator.wait_for(lambda: emulator.socket.connections_opened > before and
                      emulator.socket.connected(), timeout=15)

    result = emulator.slash_command(parcelly["maya"], "/swarm", "help",
                                    channel=parcelly.general)
    assert result.status == 200 and not result.timed_out
    assert emulator.ephemerals(parcelly["maya"])
    assert any(m.get("reason") == "refresh_requested" for m in _sent(emulator, "disconnect"))
    emulator.wait_for(lambda: requests.get(f"{bot.url}/healthz", timeout=5).json()["slack"]
                      ["connections_opened"] > before)


def test_socket_mode_turned_off_shows_in_health(
        emulator: SlackEmulator, bot: RunningBot) -> None:
    emulator.socket.disable()  # disconnect: link_disabled; no connection admitted after
    emulator.wait_for(lambda: not requests.get(f"{bot.url}/healthz", timeout=5).json()
                      ["slack"]["connected"], timeout=15)
    health = requests.get(f"{bot.url}/healthz", timeout=5)
    assert health.status_code == 200 and health.json()["status"] == "degraded"
    assert any(m.get("reason") == "link_disabled" for m in _sent(emulator, "disconnect"))


def test_envelopes_are_counted_in_metrics_like_requests(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    from tests.e2e.test_metrics import scrape, total

    before = scrape(bot)
    emulator.slash_command(parcelly["maya"], "/swarm", "help", channel=parcelly.general)
    emulator.open_home(parcelly["maya"])

    def counted() -> bool:  # an event is acked first and counted once handled: wait for it
        after = scrape(bot)
        return all(
            total(after, "swarmbot_slack_requests_total", surface=surface, status="200")
            == total(before, "swarmbot_slack_requests_total", surface=surface,
                     status="200") + 1 for surface in ("command", "event"))

    emulator.wait_for(counted, timeout=20)
    after = scrape(bot)
    for surface in ("command", "event"):
        assert total(after, "swarmbot_slack_ack_seconds_count", surface=surface) \
            > total(before, "swarmbot_slack_ack_seconds_count", surface=surface)


def test_the_clock_opens_no_socket_mode_connection(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    """Slack spreads envelopes over every open connection: a clock connected too answered
    commands (its first one past 3 s while it loaded the model) that /metrics never saw."""
    assert emulator.socket.connected() == 1
    clock = build(bot.container.settings, engine=bot.container.engine).start(listen=False)
    try:
        emulator.slash_command(parcelly["maya"], "/swarm", "list", channel=parcelly.general)
        assert emulator.socket.connected() == 1
    finally:
        clock.close()


def test_an_app_token_slack_refuses_makes_health_fail(
        emulator: SlackEmulator, bot: RunningBot) -> None:
    """Before: /healthz said "ok" (200) while every connection attempt was refused."""
    settings = bot.container.settings.model_copy(
        update={"slack_app_token": SecretStr("xapp-1-not-this-apps-token")})
    refused = build(settings, engine=bot.container.engine).start()
    server = WebServer(refused.web_app).start()
    try:
        emulator.wait_for(lambda: requests.get(f"{server.url}/healthz", timeout=5)
                          .status_code == 503, timeout=15, message="health says refused")
        health = requests.get(f"{server.url}/healthz", timeout=5).json()
        assert health["status"] == "slack_refused"
        assert health["slack"]["state"] == "refused"
        assert health["slack"]["last_error"] == "invalid_auth"
        assert "xapp-1-not" not in str(health)
    finally:
        server.stop()
        refused.close()


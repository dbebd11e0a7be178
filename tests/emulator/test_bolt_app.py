"""A tiny real bolt app over real HTTP against the emulator: what Slack sends it is what
bolt expects (signature, formats), and what it answers reaches the user as in Slack."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import requests
from slack_sdk import WebClient

from bot.sandbox.emulator import SlackEmulator
from bot.sandbox.emulator.events import deliver
from bot.sandbox.emulator.transport import BotReply
from tests.emulator.conftest import TOKEN, BoltBot
from tests.emulator.test_web_api import MODAL

BUTTON = [{"type": "section", "text": {"type": "mrkdwn", "text": "Join the swarm?"}},
          {"type": "actions", "block_id": "invite", "elements": [
              {"type": "button", "action_id": "accept", "value": "case-1", "style": "primary",
               "text": {"type": "plain_text", "text": "Accept"}}]}]


def _listeners(bot: BoltBot, slow: dict[str, float]) -> None:
    app = bot.app

    @app.command("/hello")
    def hello(ack: Any, command: dict[str, Any], respond: Any, client: Any, request: Any) -> None:
        bot.record("command", command, request)
        time.sleep(slow.get("command", 0))
        if command["text"] == "modal":
            client.views_open(trigger_id=command["trigger_id"], view=MODAL)
            ack()
        elif command["text"] == "everyone":
            ack(response_type="in_channel", text="for everyone")
        elif command["text"] == "button":
            ack()
            client.chat_postMessage(channel=command["channel_id"], text="invite", blocks=BUTTON)
        else:
            ack(f"hi <@{command['user_id']}>")
            respond("later, via response_url")

    @app.action("accept")
    def accept(ack: Any, body: dict[str, Any], respond: Any, request: Any) -> None:
        bot.record("action", body, request)
        ack()
        respond(text="accepted", replace_original=True)

    @app.view("m")
    def submitted(ack: Any, view: dict[str, Any], request: Any) -> None:
        bot.record("view", view, request)
        typed = view["state"]["values"]["b"]["a"]["value"]
        if typed == "bad":
            ack(response_action="errors", errors={"b": "try again"})
        elif typed == "more":
            ack(response_action="update", view={**MODAL, "private_metadata": "step 2"})
        else:
            ack()

    @app.event("reaction_added")
    def reaction(event: dict[str, Any], request: Any) -> None:
        bot.record("event", event, request)
        time.sleep(slow.get("event", 0))


def _setup(emu: SlackEmulator, bolt: BoltBot, **slow: float) -> tuple[str, str]:
    _listeners(bolt, slow)
    alice = emu.add_user("alice")
    return alice, emu.add_channel("general", members=[alice, emu.bot_user_id])


def test_slash_command_answers_reach_the_user(emu: SlackEmulator, bolt: BoltBot) -> None:
    alice, general = _setup(emu, bolt)
    result = emu.slash_command(alice, "/hello", "", channel=general)
    assert result.status == 200 and not result.timed_out
    _, command, headers = bolt.seen[0]
    assert set(command) >= {"token", "team_id", "team_domain", "channel_id", "channel_name",
                            "user_id", "user_name", "command", "text", "api_app_id",
                            "is_enterprise_install", "response_url", "trigger_id"}
    assert headers["x-slack-signature"].startswith("v0=")
    emu.wait_for(lambda: len(emu.ephemerals(alice)) == 2)
    assert sorted(e["text"] for e in emu.ephemerals(alice, general)) == [
        f"hi <@{alice}>", "later, via response_url"]
    assert emu.messages(general) == []  # ephemeral by default
    emu.slash_command(alice, "/hello", "everyone", channel=general)
    assert [m["text"] for m in emu.messages(general)] == ["/hello everyone", "for everyone"]


def test_a_slow_command_times_out_for_the_user(emu: SlackEmulator, bolt: BoltBot) -> None:
    alice, general = _setup(emu, bolt, command=0.8)
    result = emu.slash_command(alice, "/hello", "", channel=general)
    assert result.timed_out and result.status == 0
    assert emu.ephemerals(alice)[0]["text"] == '/hello failed with the error "operation_timeout"'


def test_unsigned_stale_and_wrongly_signed_requests_get_401(emu: SlackEmulator,
                                                            bolt: BoltBot) -> None:
    alice, general = _setup(emu, bolt)
    body = urlencode({"command": "/hello", "text": "", "user_id": alice,
                      "channel_id": general}).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert emu.post_to_bot(body, form, sign=False)[0] == 401
    assert emu.post_to_bot(body, form, secret="not-the-secret")[0] == 401
    assert emu.post_to_bot(body, form, timestamp=int(time.time()) - 6 * 60)[0] == 401
    assert bolt.seen == []


def test_reactions_change_state_and_reach_the_bot(emu: SlackEmulator, bolt: BoltBot) -> None:
    alice, general = _setup(emu, bolt)
    ts = WebClient(token=TOKEN, base_url=emu.api_url).chat_postMessage(
        channel=general, text="react to me")["ts"]
    delivery = emu.react(alice, general, ts, "white_check_mark")
    assert delivery.ok and len(delivery.attempts) == 1
    _, event, headers = bolt.seen[0]
    assert event == {"type": "reaction_added", "user": alice, "reaction": "white_check_mark",
                     "item_user": emu.bot_user_id,
                     "item": {"type": "message", "channel": general, "ts": ts},
                     "event_ts": event["event_ts"]}
    assert "x-slack-retry-num" not in headers
    assert emu.messages(general)[0]["reactions"] == [
        {"name": "white_check_mark", "users": [alice], "count": 1}]


def test_slow_event_handling_is_retried_with_the_same_event_id(emu: SlackEmulator,
                                                               bolt: BoltBot) -> None:
    alice, general = _setup(emu, bolt, event=0.7)  # past the 0.5 s deadline
    ts = WebClient(token=TOKEN, base_url=emu.api_url).chat_postMessage(
        channel=general, text="x")["ts"]
    delivery = emu.react(alice, general, ts, "eyes")
    assert not delivery.ok
    assert [(a.retry_num, a.retry_reason) for a in delivery.attempts] == [
        (0, None), (1, "http_timeout"), (2, "http_timeout"), (3, "http_timeout")]
    emu.wait_for(lambda: len(bolt.seen) == 4, timeout=5)
    assert sorted(h.get("x-slack-retry-num", "0") for _, _, h in bolt.seen) == \
        ["0", "1", "2", "3"]
    assert {h.get("x-slack-retry-reason") for _, _, h in bolt.seen} == {None, "http_timeout"}
    assert emu.deliveries("reaction_added") == [delivery]


def test_unhandled_events_are_retried_as_http_errors(emu: SlackEmulator,
                                                     bolt: BoltBot) -> None:
    _setup(emu, bolt)
    delivery = emu.deliver_event({"type": "channel_rename", "channel": {"id": "C1"}})
    assert [a.status for a in delivery.attempts] == [404] * 4
    assert {a.retry_reason for a in delivery.attempts[1:]} == {"http_error"}
    assert len({delivery.event_id}) == 1 and delivery.envelope["type"] == "event_callback"


def test_retries_stop_on_x_slack_no_retry_and_report_connection_failures() -> None:
    envelope = {"event_id": "Ev1", "event": {"type": "message"}}
    replies = iter([BotReply(None, None, failure="connection_failed"),
                    BotReply(500, None, {"x-slack-no-retry": "1"}, failure="http_error")])
    sent: list[dict[str, str]] = []

    def post(body: bytes, headers: dict[str, str]) -> BotReply:
        sent.append(headers)
        return next(replies)

    result = deliver(post, envelope, (0, 0, 0), lambda seconds: None)
    assert [a.status for a in result.attempts] == [None, 500]
    assert sent[1]["X-Slack-Retry-Reason"] == "connection_failed" and result.attempts[1].no_retry


def test_modal_opened_from_a_command_then_submitted(emu: SlackEmulator, bolt: BoltBot) -> None:
    alice, general = _setup(emu, bolt)
    emu.slash_command(alice, "/hello", "modal", channel=general)
    [view] = emu.open_views(alice)
    answer = emu.submit_view(alice, view["id"], {"b": {"a": "bad"}})
    assert answer.body == {"response_action": "errors", "errors": {"b": "try again"}}
    assert [v["id"] for v in emu.open_views(alice)] == [view["id"]]  # still open
    emu.submit_view(alice, view["id"], {"b": {"a": "more"}})
    [updated] = emu.open_views(alice)
    assert updated["id"] == view["id"] and updated["private_metadata"] == "step 2"
    emu.submit_view(alice, view["id"], {"b": {"a": "done"}})
    assert emu.open_views(alice) == []
    submitted = [body for kind, body, _ in bolt.seen if kind == "view"]
    assert submitted[0]["state"]["values"] == {"b": {"a": {"type": "plain_text_input",
                                                           "value": "bad"}}}


def test_button_click_and_respond_replace_original(emu: SlackEmulator, bolt: BoltBot) -> None:
    alice, general = _setup(emu, bolt)
    emu.slash_command(alice, "/hello", "button", channel=general)
    message = emu.wait_for(lambda: emu.messages(general))[0]
    result = emu.click(alice, general, message["ts"], "accept")
    assert result.status == 200
    _, payload, _ = next(s for s in bolt.seen if s[0] == "action")
    assert payload["actions"][0] | {"action_ts": None} == {
        "action_id": "accept", "block_id": "invite", "type": "button", "value": "case-1",
        "style": "primary", "text": {"type": "plain_text", "text": "Accept"}, "action_ts": None}
    assert payload["container"] == {"type": "message", "message_ts": message["ts"],
                                     "channel_id": general, "is_ephemeral": False}
    emu.wait_for(lambda: emu.messages(general)[0]["text"] == "accepted")
    assert "blocks" not in emu.messages(general)[0]


def test_response_url_is_good_for_five_uses(emu: SlackEmulator) -> None:
    alice = emu.add_user("alice")
    general = emu.add_channel("general", members=[alice])
    url = emu._new_response_url(alice, general, {"kind": "command"})
    statuses = [requests.post(url, json={"text": f"n{n}"}, timeout=5).status_code
                for n in range(6)]
    assert statuses == [200] * 5 + [404]
    assert [e["text"] for e in emu.ephemerals(alice)] == [f"n{n}" for n in range(5)]
    fresh = emu._new_response_url(alice, general, {"kind": "command"})
    assert requests.post(fresh, json={"response_type": "in_channel", "text": "all"},
                         timeout=5).json() == {"ok": True}
    assert emu.messages(general)[0]["text"] == "all"
    bad = requests.post(fresh, data=json.dumps({"text": ""}), timeout=5)
    assert bad.status_code == 400 and bad.json()["error"] == "no_text"

"""The emulator against Slack's documented behaviour, driven by the real slack_sdk client
and a real bolt app over HTTP — so a bot that passes against it would very likely work
against Slack."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from flask import Flask
from flask import request as flask_request

from bot.sandbox.emulator import SlackEmulator
from bot.web.server import WebServer

SECRET = "emulator-test-secret"


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    emulator = SlackEmulator(signing_secret=SECRET, bot_token="xoxb-t", deadline=1.0,
                             retry_delays=(0.05, 0.05, 0.05))
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(token="xoxb-t", base_url=emu.api_url)


def _error(call: Any) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response["error"]


def test_auth_is_checked(emu: SlackEmulator) -> None:
    assert _error(lambda: WebClient(base_url=emu.api_url).auth_test()) == "not_authed"
    assert _error(lambda: WebClient(token="xoxb-wrong", base_url=emu.api_url).auth_test()) == \
        "invalid_auth"
    assert WebClient(token="xoxb-t", base_url=emu.api_url).auth_test()["user_id"] == emu.bot_user_id


def test_unknown_method(client: WebClient) -> None:
    assert _error(lambda: client.api_call("chat.frobnicate")) == "unknown_method"


@pytest.mark.parametrize(("name", "error"), [
    ("", "invalid_name_required"), ("x" * 81, "invalid_name_maxlength"),
    ("Has Caps", "invalid_name_specials"), ("bad!name", "invalid_name_specials")])
def test_channel_name_rules(client: WebClient, name: str, error: str) -> None:
    assert _error(lambda: client.conversations_create(name=name)) == error


def test_channel_lifecycle_errors(emu: SlackEmulator, client: WebClient) -> None:
    alice = emu.add_user("alice")
    channel = client.conversations_create(name="swarm-0001-db")["channel"]
    assert channel["name"] == "swarm-0001-db" and channel["is_channel"]
    assert _error(lambda: client.conversations_create(name="swarm-0001-db")) == "name_taken"
    client.conversations_invite(channel=channel["id"], users=alice)
    assert _error(lambda: client.conversations_invite(channel=channel["id"], users=alice)) == \
        "already_in_channel"
    assert _error(lambda: client.conversations_invite(channel=channel["id"], users="U404")) == \
        "user_not_found"
    assert _error(lambda: client.conversations_invite(channel=channel["id"],
                                                      users=emu.bot_user_id)) == "cant_invite_self"
    client.conversations_archive(channel=channel["id"])
    assert _error(lambda: client.chat_postMessage(channel=channel["id"], text="x")) == "is_archived"
    assert _error(lambda: client.conversations_archive(channel=channel["id"])) == "already_archived"
    assert _error(lambda: client.chat_postMessage(channel="C404", text="x")) == "channel_not_found"


def test_messages_updates_and_reactions(emu: SlackEmulator, client: WebClient) -> None:
    alice = emu.add_user("alice")
    general = emu.add_channel("general", members=[alice])
    assert _error(lambda: client.chat_postMessage(channel=general)) == "no_text"
    posted = client.chat_postMessage(channel=general, text="hello", blocks=[
        {"type": "section", "text": {"type": "mrkdwn", "text": "*hello*"}}])
    client.chat_update(channel=general, ts=posted["ts"], text="hello again")
    client.reactions_add(channel=general, timestamp=posted["ts"], name="eyes")
    assert _error(lambda: client.reactions_add(channel=general, timestamp=posted["ts"],
                                               name="eyes")) == "already_reacted"
    assert _error(lambda: client.reactions_add(channel=general, timestamp=posted["ts"],
                                               name="two words")) == "invalid_name"
    [message] = emu.messages(general)
    assert message["text"] == "hello again" and message["reactions"][0]["name"] == "eyes"
    assert _error(lambda: client.chat_update(channel=general, ts="1.0", text="x")) == \
        "message_not_found"
    dm = client.conversations_open(users=alice)["channel"]["id"]
    client.chat_postMessage(channel=dm, text="psst")
    assert [m["text"] for m in emu.dm_messages(alice)] == ["psst"]
    assert _error(lambda: client.chat_postEphemeral(channel=general, user=emu.add_user("bob"),
                                                    text="x")) == "user_not_in_channel"


def test_form_json_and_query_bodies_all_work(emu: SlackEmulator) -> None:
    url, auth = emu.api_url, {"Authorization": "Bearer xoxb-t"}
    general = emu.add_channel("general")
    assert requests.post(url + "chat.postMessage", data={"channel": general, "text": "form"},
                         headers=auth, timeout=5).json()["ok"]
    assert requests.post(url + "chat.postMessage", json={"channel": general, "text": "json"},
                         headers=auth, timeout=5).json()["ok"]
    assert requests.get(url + "conversations.info", params={"channel": general, "token": "xoxb-t"},
                        timeout=5).json()["channel"]["id"] == general


def test_signatures_verify_with_slack_sdk(emu: SlackEmulator) -> None:
    verifier = SignatureVerifier(SECRET)
    body, stamp = b"token=x&text=help", int(time.time())
    signature = emu.sign(body, stamp)
    assert verifier.is_valid(body, str(stamp), signature)
    assert not verifier.is_valid(body + b"x", str(stamp), signature)
    old = stamp - 10 * 60
    assert not verifier.is_valid(body, str(old), emu.sign(body, old))


def test_faults_and_rate_limits(emu: SlackEmulator) -> None:
    general = emu.add_channel("general")
    plain = WebClient(token="xoxb-t", base_url=emu.api_url)
    emu.faults.add("chat.postMessage", kind="error", error="internal_error")
    assert _error(lambda: plain.chat_postMessage(channel=general, text="x")) == "internal_error"
    emu.faults.add("chat.postMessage", kind="rate_limited", retry_after=1)
    with pytest.raises(SlackApiError) as limited:
        plain.chat_postMessage(channel=general, text="x")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "1"
    patient = WebClient(token="xoxb-t", base_url=emu.api_url,
                        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
    emu.faults.add("chat.postMessage", kind="rate_limited", retry_after=1)
    assert patient.chat_postMessage(channel=general, text="after waiting")["ok"]
    emu.strict = True
    statuses = []
    for n in range(5):
        try:
            plain.chat_postMessage(channel=general, text=f"burst {n}")
            statuses.append(200)
        except SlackApiError as error:
            statuses.append(error.response.status_code)
    assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:]


class _BoltBot:
    """A tiny real bolt app served over HTTP, to check the emulator's payloads."""

    def __init__(self, emu: SlackEmulator, slow_events: float = 0.0) -> None:
        self.events: list[tuple[dict[str, Any], dict[str, str]]] = []
        self.views: list[dict[str, Any]] = []
        app = App(client=WebClient(token="xoxb-t", base_url=emu.api_url), signing_secret=SECRET,
                  token_verification_enabled=False, process_before_response=True)

        @app.command("/hello")
        def hello(ack: Any, command: dict[str, Any], respond: Any, client: Any) -> None:
            if command["text"] == "modal":
                client.views_open(trigger_id=command["trigger_id"], view={
                    "type": "modal", "callback_id": "m", "title": {"type": "plain_text", "text": "M"},
                    "blocks": [{"type": "input", "block_id": "b", "label": {"type": "plain_text",
                                                                             "text": "L"},
                                "element": {"type": "plain_text_input", "action_id": "a"}}]})
                ack()
                return
            ack(f"hi <@{command['user_id']}>")
            respond("later, via response_url")

        @app.event("reaction_added")
        def reaction(event: dict[str, Any], request: Any) -> None:
            headers = {k: v[0] for k, v in request.headers.items()}
            self.events.append((event, headers))
            time.sleep(slow_events)

        @app.view("m")
        def submitted(ack: Any, view: dict[str, Any]) -> None:
            self.views.append(view)
            ack(response_action="errors", errors={"b": "try again"})

        web = Flask("t")
        handler = SlackRequestHandler(app)
        web.post("/slack/events")(lambda: handler.handle(flask_request))
        self.server = WebServer(web).start()
        emu.request_url = f"{self.server.url}/slack/events"


def test_a_real_bolt_app_gets_commands_events_and_views(emu: SlackEmulator) -> None:
    bot = _BoltBot(emu)
    try:
        alice = emu.add_user("alice")
        general = emu.add_channel("general", members=[alice])
        result = emu.slash_command(alice, "/hello", "", channel=general)
        assert result.status == 200
        emu.wait_for(lambda: len(emu.ephemerals(alice)) == 2)
        assert sorted(e["text"] for e in emu.ephemerals(alice)) == [f"hi <@{alice}>",
                                                                    "later, via response_url"]
        ts = WebClient(token="xoxb-t", base_url=emu.api_url).chat_postMessage(
            channel=general, text="react to me")["ts"]
        assert emu.react(alice, general, ts, "white_check_mark").ok
        emu.wait_for(lambda: bot.events)
        event, _ = bot.events[0]
        assert event["item"] == {"type": "message", "channel": general, "ts": ts}
        emu.slash_command(alice, "/hello", "modal", channel=general)
        [view] = emu.open_views(alice)
        answer = emu.submit_view(alice, view["id"], {"b": {"a": "typed"}})
        assert answer.body == {"response_action": "errors", "errors": {"b": "try again"}}
        assert bot.views[0]["state"]["values"]["b"]["a"]["value"] == "typed"
    finally:
        bot.server.stop()


def test_slow_event_handling_is_retried_with_retry_headers(emu: SlackEmulator) -> None:
    bot = _BoltBot(emu, slow_events=1.5)  # past the emulator's 1 s deadline
    try:
        alice = emu.add_user("alice")
        general = emu.add_channel("general", members=[alice])
        ts = WebClient(token="xoxb-t", base_url=emu.api_url).chat_postMessage(
            channel=general, text="x")["ts"]
        delivery = emu.react(alice, general, ts, "eyes")
        assert [a.retry_num for a in delivery.attempts][:2] == [0, 1]
        assert delivery.attempts[1].retry_reason == "http_timeout"
        emu.wait_for(lambda: any(h.get("x-slack-retry-num") == "1" for _, h in bot.events),
                     timeout=10)
        assert {e["item"]["ts"] for e, _ in bot.events} == {ts}  # the same event, again
    finally:
        bot.server.stop()


def test_a_stale_trigger_cannot_open_a_modal(emu: SlackEmulator, client: WebClient) -> None:
    assert _error(lambda: client.views_open(trigger_id="nope", view={
        "type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": []})) == \
        "invalid_trigger_id"

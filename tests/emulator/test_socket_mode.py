"""The emulator's Socket Mode as Slack documents it (https://api.slack.com/apis/socket-mode,
https://api.slack.com/apis/connections/socket-implement), spoken to with a plain WebSocket
client: apps.connections.open takes the app-level token only and answers a single-use
URL; the connection opens with `hello`; an envelope is answered by its ack, whose payload is
the answer; an envelope not acknowledged is sent again."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from slack_sdk import WebClient
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from bot.sandbox.emulator import SlackEmulator
from tests.emulator.conftest import SECRET, TOKEN, slack_error

APP_TOKEN = "xapp-1-A0001-test"


@pytest.fixture
def socket_emu() -> Any:
    with SlackEmulator(signing_secret=SECRET, bot_token=TOKEN, app_token=APP_TOKEN,
                       transport="socket", deadline=2.0) as emulator:
        yield emulator


def test_connections_open_takes_the_app_token_and_its_url_is_used_once(
        socket_emu: SlackEmulator) -> None:
    assert slack_error(lambda: WebClient(base_url=socket_emu.api_url)
                       .apps_connections_open(app_token=TOKEN)) == "not_allowed_token_type"
    assert slack_error(lambda: WebClient(base_url=socket_emu.api_url)
                       .apps_connections_open(app_token="xapp-1-A0001-other")) == "invalid_auth"
    url = WebClient(base_url=socket_emu.api_url).apps_connections_open(
        app_token=APP_TOKEN)["url"]
    assert url.startswith("ws://127.0.0.1:")
    with connect(url) as link:
        hello = json.loads(link.recv(timeout=5))
        assert hello["type"] == "hello" and hello["num_connections"] == 1
    with pytest.raises(InvalidStatus):
        connect(url).close()  # a ticket is good for one connection


def test_an_envelope_is_answered_by_its_ack_and_sent_again_when_not_acked(
        socket_emu: SlackEmulator) -> None:
    user = socket_emu.add_user("maya")
    general = socket_emu.add_channel("general", members=[user])
    url = WebClient(base_url=socket_emu.api_url).apps_connections_open(
        app_token=APP_TOKEN)["url"]
    received: list[dict[str, Any]] = []

    def app() -> None:
        with connect(url) as link:
            link.recv(timeout=5)  # hello
            while True:
                message = json.loads(link.recv(timeout=10))
                received.append(message)
                if message["type"] == "slash_commands":
                    link.send(json.dumps({"envelope_id": message["envelope_id"],
                                          "payload": {"text": "Hi from the socket"}}))
                elif message["retry_attempt"] > 0:  # the first copy is left unacked
                    link.send(json.dumps({"envelope_id": message["envelope_id"]}))
                    return

    thread = threading.Thread(target=app, daemon=True)
    thread.start()
    socket_emu.wait_for(lambda: socket_emu.socket.connected(), timeout=5)
    answer = socket_emu.slash_command(user, "/swarm", "help", channel=general)
    assert answer.status == 200 and answer.body == {"text": "Hi from the socket"}
    assert socket_emu.ephemerals(user)[-1]["text"] == "Hi from the socket"
    command = received[0]
    assert command["accepts_response_payload"] is True
    assert command["payload"]["command"] == "/swarm" and command["payload"]["text"] == "help"

    delivery = socket_emu.open_home(user)
    thread.join(timeout=10)
    assert delivery.ok and [a.retry_num for a in delivery.attempts] == [0, 1]
    events = [m for m in received if m["type"] == "events_api"]
    assert [(m["retry_attempt"], m["retry_reason"]) for m in events] == [(0, ""), (1, "timeout")]
    assert events[0]["accepts_response_payload"] is False
    assert events[0]["payload"]["event"]["type"] == "app_home_opened"

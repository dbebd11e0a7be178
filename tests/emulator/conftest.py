"""Fixtures: an emulator on a free port, the real slack_sdk client pointed at it, and a
tiny real bolt app served over HTTP (werkzeug, port 0) for the acting-as-users tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from werkzeug.serving import make_server

from bot.sandbox.emulator import SlackEmulator

SECRET = "emulator-test-secret"
TOKEN = "xoxb-emulator-test"


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator(signing_secret=SECRET, bot_token=TOKEN, deadline=0.5,
                       retry_delays=(0.02, 0.02, 0.02)) as emulator:
        yield emulator


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(token=TOKEN, base_url=emu.api_url)


def slack_error(call: Callable[[], Any]) -> str:
    """The error code Slack answers a call with (slack_sdk raises SlackApiError)."""
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response["error"]


class BoltBot:
    """A real bolt app over real HTTP; tests register listeners on `app` and read `seen`."""

    def __init__(self, emu: SlackEmulator) -> None:
        self.seen: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        self.app = App(client=WebClient(token=TOKEN, base_url=emu.api_url),
                       signing_secret=SECRET, token_verification_enabled=False,
                       process_before_response=True)
        web = Flask("emulator-test-bot")
        handler = SlackRequestHandler(self.app)
        web.post("/slack/events")(lambda: handler.handle(request))
        self._server = make_server("127.0.0.1", 0, web, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        emu.request_url = f"http://127.0.0.1:{self._server.server_port}/slack/events"

    def record(self, kind: str, body: dict[str, Any], req: Any) -> None:
        self.seen.append((kind, body, {k.lower(): v[0] for k, v in req.headers.items()}))

    def stop(self) -> None:
        self._server.shutdown()


@pytest.fixture
def bolt(emu: SlackEmulator) -> Iterator[BoltBot]:
    bot = BoltBot(emu)
    yield bot
    bot.stop()
    time.sleep(0.01)

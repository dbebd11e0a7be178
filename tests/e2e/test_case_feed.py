"""The case feed to other tools, over real HTTP: a receiver gets the case's events in order,
signed with the shared secret; a receiver that fails is retried until it takes the event;
a private case's title and texts never leave Slack."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.sandbox.emulator import SlackEmulator
from tests.e2e.conftest import Clock, RunningBot, Workspace
from tests.e2e.test_swarming_flow import _case_channel

pytestmark = pytest.mark.e2e
SECRET = "feed-secret-123"


class Receiver:
    """A ticketing tool's endpoint: checks the signature, fails the first `fail` requests."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.bad_signatures = 0
        self.fail = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 — http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                base = b"v0:" + self.headers["X-Swarmbot-Request-Timestamp"].encode() + b":" + body
                expected = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(expected, self.headers["X-Swarmbot-Signature"]):
                    receiver.bad_signatures += 1
                    self.send_response(401)
                elif receiver.fail > 0:
                    receiver.fail -= 1
                    self.send_response(503)
                else:
                    receiver.events.append(json.loads(body))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/swarmbot"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def types(self, case_id: int) -> list[str]:
        return [e["type"] for e in self.events if e["case"]["id"] == case_id]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()


@pytest.fixture
def extra_settings(receiver: Receiver) -> dict[str, object]:
    return {"case_feed_url": receiver.url, "case_feed_secret": SECRET}


def test_another_tool_follows_a_case_from_declaration_to_resolution(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, receiver: Receiver,
        clock: Clock) -> None:
    maya = parcelly["maya"]
    receiver.fail = 2  # the tool is briefly down: the declaration reaches it anyway
    emulator.slash_command(maya, "/swarm", "new Card payments declined sev2 service:payments",
                           channel=parcelly.general)
    channel = _case_channel(emulator)["id"]
    emulator.slash_command(maya, "/swarm", "status Acquirer timeouts, failing over",
                           channel=channel)
    emulator.slash_command(maya, "/swarm", "resolve Failed over to the backup acquirer",
                           channel=channel)
    def delivered() -> bool:  # two failed attempts back off 2 s and 4 s on the bot's clock
        clock.advance(seconds=5)
        bot.container.dispatcher.kick()
        return len(receiver.events) == 3

    emulator.wait_for(delivered, interval=0.3, timeout=15)
    bot.settle()
    assert receiver.types(1) == ["case.declared", "case.status_update", "case.resolved"]
    declared, update, resolved = receiver.events
    assert declared["case"]["title"] == "Card payments declined"
    assert declared["case"]["owner"] == maya and declared["case"]["channel"] == channel
    assert update["text"] == "Acquirer timeouts, failing over" and update["actor"] == maya
    assert resolved["case"]["status"] == "resolved"
    assert len({e["event_id"] for e in receiver.events}) == 3 and receiver.bad_signatures == 0


def test_a_private_case_is_fed_without_its_title_or_texts(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace,
        receiver: Receiver) -> None:
    maya = parcelly["maya"]
    emulator.slash_command(maya, "/swarm", "new Leaked API key for Acme sev2 #security",
                           channel=parcelly.general)
    channel = _case_channel(emulator)["id"]
    emulator.slash_command(maya, "/swarm", "status Key rotated at Acme", channel=channel)
    bot.settle(timeout=15)
    assert receiver.types(1) == ["case.declared", "case.status_update"]
    shown = json.dumps(receiver.events)
    assert "Acme" not in shown and "Leaked" not in shown
    assert receiver.events[0]["case"]["title"] == "Private case"
    assert receiver.events[0]["case"]["private"] is True

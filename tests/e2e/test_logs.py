"""The logs of a real run — a case declared over signed HTTP, Slack failing and recovering,
deliveries from the outbox, a webhook with a wrong token — at DEBUG, as JSON lines: every
line is one JSON object, deliveries carry their case and outbox ids, and no line carries a
token, the signing secret, or a whole request body."""

from __future__ import annotations

import io
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from bot.logs import Redact, configure
from bot.sandbox.emulator import SlackEmulator
from tests.e2e.conftest import (
    BOT_TOKEN,
    DASHBOARD_TOKEN,
    HOOKS_TOKEN,
    SIGNING_SECRET,
    Clock,
    RunningBot,
    Workspace,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def json_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    for name, value in (("SLACK_BOT_TOKEN", BOT_TOKEN), ("SLACK_SIGNING_SECRET", SIGNING_SECRET),
                        ("SWARMBOT_HOOKS_TOKEN", HOOKS_TOKEN),
                        ("SWARMBOT_DASHBOARD_TOKEN", DASHBOARD_TOKEN)):
        monkeypatch.setenv(name, value)  # as a deployment has them
    root = logging.getLogger()
    kept = list(root.handlers), root.level
    out = io.StringIO()
    configure(logging.DEBUG, json_lines=True, stream=out)
    yield out
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in kept[0]:
        root.addHandler(handler)
    root.setLevel(kept[1])


def test_a_real_run_logs_json_with_ids_and_no_secret(
        json_log: io.StringIO, emulator: SlackEmulator, bot: RunningBot,
        parcelly: Workspace, clock: Clock) -> None:
    title = "Checkout down for everyone in the EU region since the deploy"
    emulator.faults.add("conversations.invite", kind="error", error="internal_error", times=1)
    emulator.slash_command(parcelly["maya"], "/swarm", f"new {title} sev1 service:checkout",
                           channel=parcelly.general)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "delivered create_channel" not in json_log.getvalue():
        clock.advance(seconds=1)
        bot.container.dispatcher.kick()
        time.sleep(0.05)
    for _ in range(30):
        clock.advance(seconds=1)
        bot.container.dispatcher.kick()
        time.sleep(0.02)
    bot.settle(timeout=20)
    wrong = urllib.request.Request(f"{bot.url}/hooks/cases", data=b'{"title": "x"}',
                                   headers={"Authorization": f"Bearer {BOT_TOKEN}",
                                            "Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(wrong, timeout=10)

    text = json_log.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(lines) > 20
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    for secret in (BOT_TOKEN, SIGNING_SECRET, HOOKS_TOKEN, DASHBOARD_TOKEN):
        assert secret not in text
    delivered = [line for line in lines if line["message"].startswith("delivered create_channel")]
    assert delivered and delivered[0]["case_id"] == 1 and delivered[0]["outbox_id"] >= 1
    # the slash command's body went by, but no line holds it whole
    assert not any("command=%2Fswarm" in line["message"] and "trigger_id=" in line["message"]
                   and "response_url=" in line["message"] for line in lines)


def test_a_token_in_any_line_is_redacted() -> None:
    redact = Redact(["s3cr3t-signing-value"])
    record = logging.LogRecord("x", logging.WARNING, __file__, 1,
                               "call failed with %s and %s", ("xoxb-1234-abcdEFGH",
                                                              "s3cr3t-signing-value"), None)
    assert redact.filter(record)
    assert record.getMessage() == "call failed with [redacted] and [redacted]"

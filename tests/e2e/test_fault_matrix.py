"""Slack failing on any method the bot uses, all through a case's life: declare → channel →
invites → accept by reaction → status → resolve → archive. Each method fails four ways in a
row — a 500 after Slack did the work, a 429 with Retry-After, a timeout after Slack did the
work, a plain 500 — and once Slack recovers every case has exactly one channel, everyone who
accepted is in it, every message was posted exactly once and every timer fired once.

Slack faults do not depend on the database, so this matrix runs on SQLite only."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import build
from bot.config import load_settings
from bot.sandbox.emulator import SlackEmulator
from bot.sandbox.emulator.faults import Fault
from bot.sandbox.seed import POLICY_FILE
from bot.services.timers import fire_due_timers
from bot.slack.gateway import make_slack_client
from bot.web.server import WebServer
from models.scheduling import OutboxMessage, Timer
from tests.e2e.conftest import BOT_TOKEN, HOOKS_TOKEN, SIGNING_SECRET, Clock, RunningBot, Workspace

pytestmark = pytest.mark.e2e

CLIENT_TIMEOUT = 1  # seconds the bot waits for Slack here (production: 10)

# Every Web API method the bot calls in the flow below.
METHODS = ["auth.test", "conversations.create", "conversations.invite",
           "conversations.setTopic", "chat.postMessage", "chat.update", "chat.postEphemeral",
           "conversations.open", "views.publish", "conversations.archive",
           "conversations.list", "conversations.history"]
# Methods only called after another failed: what makes the bot call them.
CALLED_AFTER = {"conversations.list": "conversations.create",   # looking for its channel
                "conversations.history": "chat.postMessage"}    # looking for its message


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 sqlite_template: Path) -> str:
    import shutil

    path = tmp_path / "swarmbot.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def bot(emulator: SlackEmulator, database_url: str, clock: Clock, model_path: Path
        ) -> Iterator[RunningBot]:
    """The e2e bot, waiting at most CLIENT_TIMEOUT for Slack so timeouts are quick to test."""
    settings = load_settings(
        _env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
        slack_api_url=emulator.api_url, database_url=database_url, hooks_token=HOOKS_TOKEN,
        model_path=model_path, stakeholder_channel=emulator.add_channel("incidents"),
        policy_path=POLICY_FILE)
    client = make_slack_client(BOT_TOKEN, emulator.api_url, timeout=CLIENT_TIMEOUT)
    container = build(settings, clock=clock, slack_client=client).start()
    server = WebServer(container.web_app).start()
    emulator.request_url = f"{server.url}/slack/events"
    yield RunningBot(container, server)
    server.stop()
    container.close()


def fail_four_ways(emulator: SlackEmulator, method: str) -> list[Fault]:
    """The next four calls of `method` fail; some methods are called fewer times in a flow."""
    return [emulator.faults.add(method, kind="http_500", applied=True),
            emulator.faults.add(method, kind="rate_limited", retry_after=1),
            emulator.faults.add(method, kind="timeout", seconds=CLIENT_TIMEOUT + 0.5,
                                applied=True),
            emulator.faults.add(method, kind="http_500")]


def recover(bot: RunningBot, clock: Clock, condition: Callable[[], Any] = lambda: True,
            seconds: float = 45) -> None:
    """Let the bot's retries (backing off in its own time) run until nothing is pending and
    `condition` holds: the clock moves two seconds a tick."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with bot.container.uow().reading() as uow:  # a poll never holds the writer
            pending = uow.session.scalars(select(OutboxMessage.kind).where(
                OutboxMessage.state == "pending")).all()
        if not pending and condition():
            return
        clock.advance(seconds=2)
        bot.container.dispatcher.kick()
        time.sleep(0.05)
    with bot.container.uow() as uow:
        stuck = [(m.kind, m.attempts, m.last_error) for m in uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.state != "done"))]
    raise AssertionError(f"not recovered in {seconds}s; undelivered: {stuck}")


def texts(emulator: SlackEmulator, channel: str) -> list[str]:
    return [m.get("text") or "" for m in emulator.messages(channel)]


def once(found: list[str], needle: str) -> None:
    hits = [t for t in found if needle in t]
    assert len(hits) == 1, f"{needle!r} posted {len(hits)} times: {hits}"


def invites_of(emulator: SlackEmulator, workspace: Workspace) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for handle, user in workspace.users.items():
        dms = [m for m in emulator.dm_messages(user) if "Swarm invite" in (m.get("text") or "")]
        if dms:
            found[handle] = dms
    return found


@pytest.mark.parametrize("method", METHODS)
def test_a_whole_case_survives_slack_failing_on(method: str, emulator: SlackEmulator,
                                                bot: RunningBot, parcelly: Workspace,
                                                clock: Clock) -> None:
    maya = parcelly["maya"]
    if method in CALLED_AFTER:
        emulator.faults.add(CALLED_AFTER[method], kind="http_500", applied=True, times=3)
    faults = fail_four_ways(emulator, method)

    declared = emulator.slash_command(maya, "/swarm", "new Checkout down sev1 service:checkout",
                                      channel=parcelly.general)
    assert declared.status == 200 and "Case #0001 declared" in declared.body["text"]

    def swarm_channels() -> list[dict[str, Any]]:
        return [c for c in emulator.channels() if c["name"].startswith("swarm-")]

    recover(bot, clock, lambda: len(invites_of(emulator, parcelly)) == 3)
    [channel] = swarm_channels()
    cid = channel["id"]

    invites = invites_of(emulator, parcelly)
    assert all(len(dms) == 1 for dms in invites.values()), invites
    expert = sorted(invites)[0]
    invite = invites[expert][0]
    reacted = emulator.react(parcelly[expert], invite["channel"], invite["ts"],
                             "white_check_mark")
    assert reacted.ok
    recover(bot, clock)
    emulator.slash_command(maya, "/swarm", "status Rolled back the deploy", channel=cid)
    recover(bot, clock)
    emulator.slash_command(maya, "/swarm", "resolve Bad config; rolled back", channel=cid)
    recover(bot, clock)
    clock.advance(minutes=61)  # the archive grace period
    assert fire_due_timers(bot.container.services) >= 1
    recover(bot, clock, lambda: emulator.channel(cid)["is_archived"])

    assert faults[0].hits == 1, f"the flow never called {method}"
    assert [c["id"] for c in swarm_channels()] == [cid]
    members = emulator.channel(cid)["members"]
    assert maya in members and parcelly[expert] in members
    in_channel = texts(emulator, cid)
    for needle in ("#0001 Checkout down", "Recommended experts", "joined the swarm",
                   "Rolled back the deploy", "Case #0001 resolved"):
        once(in_channel, needle)
    once(texts(emulator, parcelly.incidents), "Rolled back the deploy")
    assert all(len(dms) == 1 for dms in invites_of(emulator, parcelly).values())
    # An ephemeral cannot be looked up afterwards: after an unclear answer it is not sent
    # again (at most once); after a clear refusal (429) it is.
    opened = [e for e in emulator.ephemerals(maya, parcelly.general)
              if f"<#{cid}>" in (e.get("text") or "")]
    assert len(opened) == 1, opened
    with bot.container.uow() as uow:
        timers = uow.session.scalars(select(Timer)).all()
        assert [t.kind for t in timers if t.state == "fired"] == ["archive_channel"]
        assert all(t.state in ("cancelled", "fired") for t in timers), \
            [(t.key, t.state) for t in timers]
        failed = uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.state == "failed")).all()
        assert failed == [], [(m.kind, m.last_error) for m in failed]

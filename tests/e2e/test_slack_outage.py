"""Slack down for ten minutes (every Web API call answers 500) while three sev1 cases are
declared: nothing is given up — once Slack is back, every case gets its channel and every
invite arrives, once. Before, an effect was marked failed after 8 attempts (2ⁿ s apart,
about 8½ minutes) and what waited for the channel waited forever.

Slack faults do not depend on the database, so this runs on SQLite only."""

from __future__ import annotations

import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import func, or_, select

from bot.bootstrap import build
from bot.config import load_settings
from bot.sandbox.emulator import SlackEmulator
from bot.sandbox.seed import POLICY_FILE
from bot.web.server import WebServer
from models.case import Case
from models.scheduling import OutboxMessage
from tests.e2e.conftest import BOT_TOKEN, HOOKS_TOKEN, SIGNING_SECRET, Clock, RunningBot, Workspace

pytestmark = pytest.mark.e2e

OUTAGE_SECONDS = 10 * 60
TICK_SECONDS = 15


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "swarmbot.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def bot(emulator: SlackEmulator, database_url: str, clock: Clock, model_path: Path
        ) -> Iterator[RunningBot]:
    """The e2e bot with a Slack client that does not retry by itself: every retry is the
    outbox's, on the test's fast clock (slack_sdk's own retries wait in real time)."""
    settings = load_settings(
        _env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
        slack_api_url=emulator.api_url, database_url=database_url, hooks_token=HOOKS_TOKEN,
        model_path=model_path, stakeholder_channel=emulator.add_channel("incidents"),
        policy_path=POLICY_FILE)
    client = WebClient(token=BOT_TOKEN, base_url=emulator.api_url, timeout=2,
                       retry_handlers=[])
    container = build(settings, clock=clock, slack_client=client).start()
    server = WebServer(container.web_app).start()
    emulator.request_url = f"{server.url}/slack/events"
    yield RunningBot(container, server)
    server.stop()
    container.close()


def _idle(bot: RunningBot, clock: Clock, seconds: float = 60) -> None:
    """Wait until the bot has tried everything due by the clock (none due, none claimed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        bot.container.dispatcher.kick()
        with bot.container.uow() as uow:
            busy = uow.session.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.state == "pending",
                or_(OutboxMessage.scheduled_at <= clock(),
                    OutboxMessage.claimed_until.is_not(None))))
        if not busy:
            return
        time.sleep(0.05)
    raise AssertionError(f"{busy} effects still due after {seconds}s")


def _run_until(bot: RunningBot, clock: Clock, done: Callable[[], Any], *,
               seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        _idle(bot, clock)
        if done():
            return
        clock.advance(seconds=TICK_SECONDS)
    with bot.container.uow() as uow:
        stuck = [(m.kind, m.state, m.attempts, m.last_error) for m in uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.state != "done"))]
    raise AssertionError(f"not delivered in {seconds}s: {stuck}")


def test_a_ten_minute_outage_loses_no_channel_and_no_invite(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    outage = emulator.faults.add("*", kind="http_500", times=-1)
    maya = parcelly["maya"]
    for title in ("Checkout down", "Payments failing", "Search empty"):
        declared = emulator.slash_command(maya, "/swarm", f"new {title} sev1 service:checkout",
                                          channel=parcelly.general)
        assert declared.status == 200 and "declared" in declared.body["text"], declared.body
    started = clock()
    while (clock() - started).total_seconds() < OUTAGE_SECONDS:
        _idle(bot, clock)
        clock.advance(seconds=TICK_SECONDS)
    assert outage.hits > 50  # Slack was asked, again and again
    with bot.container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.state == "failed")) == 0
    emulator.faults.clear()  # Slack is back

    def invites() -> Counter[tuple[str, str]]:
        found: Counter[tuple[str, str]] = Counter()
        for user in parcelly.users.values():
            for dm in emulator.dm_messages(user):
                text = dm.get("text") or ""
                if "Swarm invite" in text:
                    found[(user, re.search(r"#\d{4}", text).group(0))] += 1
        return found

    def channels() -> list[dict[str, Any]]:
        return [c for c in emulator.channels() if c["name"].startswith("swarm-")]

    _run_until(bot, clock, lambda: len(channels()) == 3
               and {ref for _, ref in invites()} == {"#0001", "#0002", "#0003"})
    _run_until(bot, clock, lambda: True)  # whatever else is left
    with bot.container.uow() as uow:
        case_channels = [c.channel_id for c in uow.session.scalars(select(Case))]
        assert sorted(case_channels) == sorted(c["id"] for c in channels())
        undelivered = uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.state != "done")).all()
        assert undelivered == [], [(m.kind, m.state, m.last_error) for m in undelivered]
    assert all(n == 1 for n in invites().values()), invites()
    for channel in case_channels:
        assert maya in emulator.channel(channel)["members"]


def test_a_final_answer_ends_the_effect_visibly_and_an_operator_can_retry_it(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock,
        database_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    emulator.faults.add("conversations.create", kind="error", error="fatal_error", times=3)
    emulator.faults.add("conversations.setTopic", kind="error", error="invalid_auth")
    maya = parcelly["maya"]
    declared = emulator.slash_command(maya, "/swarm", "new Checkout down sev1 service:checkout",
                                      channel=parcelly.general)
    assert declared.status == 200

    def told() -> list[str]:
        return [m.get("text") or "" for m in emulator.dm_messages(maya)
                if "could not update the case channel's topic" in (m.get("text") or "")]

    _run_until(bot, clock, lambda: told())  # fatal_error was transient: the channel came
    [notice] = told()
    assert "#0001" in notice and "invalid_auth" in notice
    health = bot.container.web_app.test_client().get("/healthz")
    assert health.status_code == 200 and health.json["delivery"]["failed"] == 1

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr("models.base.utcnow", clock)  # the operator's clock is the bot's
    assert main(["outbox", "list", "--state", "failed"]) == 0
    listed = capsys.readouterr().out
    [line] = [line for line in listed.splitlines() if "set_topic" in line]
    assert "invalid_auth" in line
    effect = int(line.split("\t")[0].lstrip("#"))
    assert main(["outbox", "retry"]) == 2  # nothing named: a clear message, nothing changed
    assert "Name the effects to retry" in capsys.readouterr().err
    assert main(["outbox", "retry", str(effect)]) == 0
    _run_until(bot, clock, lambda: True)
    with bot.container.uow() as uow:
        assert uow.outbox.get(effect).state == "done"
    [channel] = [c for c in emulator.channels() if c["name"].startswith("swarm-")]
    assert "#0001" in str(emulator.channel(channel["id"])["topic"])
    assert len(told()) == 1

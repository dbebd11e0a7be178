"""Security over real signed HTTP: forged, tampered and replayed requests to every Slack
surface are refused; the case webhook needs its token; only the owner (or an admin) resolves,
hands over or changes severity; private (security) cases get private channels and keep their
title out of public channels and out of other people's lists and App Homes; tokens and
secrets never show up in logs, errors or answers."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from sqlalchemy import select

from bot.bootstrap import build
from bot.config import load_settings
from bot.sandbox.emulator import SlackEmulator
from bot.sandbox.seed import POLICY_FILE
from bot.web.server import WebServer
from models.case import Case
from models.scheduling import OutboxMessage
from tests.e2e.conftest import (
    BOT_TOKEN, HOOKS_TOKEN, SIGNING_SECRET, Clock, RunningBot, Workspace,
)
from tests.e2e.test_swarming_flow import _case_channel

pytestmark = pytest.mark.e2e

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def bot(emulator: SlackEmulator, database_url: str, clock: Clock, model_path: Path
        ) -> Iterator[RunningBot]:
    """The e2e bot with one swarmbot admin (the first user the workspace will have after
    the bot, i.e. Parcelly's first person)."""
    settings = load_settings(
        _env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
        slack_api_url=emulator.api_url, database_url=database_url, hooks_token=HOOKS_TOKEN,
        model_path=model_path, stakeholder_channel=emulator.add_channel("incidents"),
        policy_path=POLICY_FILE, admins="U00000003")
    container = build(settings, clock=clock).start()
    server = WebServer(container.web_app).start()
    emulator.request_url = f"{server.url}/slack/events"
    yield RunningBot(container, server)
    server.stop()
    container.close()


# -- forged, tampered and replayed requests ------------------------------------------------
def _bodies(user: str, channel: str) -> dict[str, tuple[bytes, dict[str, str]]]:
    command = urlencode({"command": "/swarm", "text": "new Forged case sev1", "user_id": user,
                         "channel_id": channel, "team_id": "T0001", "trigger_id": "1.2.3",
                         "response_url": "http://127.0.0.1:9/none"}).encode()
    event = json.dumps({"type": "event_callback", "team_id": "T0001", "api_app_id": "A0001",
                        "event_id": "EvForged1", "event_time": int(time.time()),
                        "event": {"type": "app_home_opened", "user": user, "tab": "home"}
                        }).encode()
    click = urlencode({"payload": json.dumps({
        "type": "block_actions", "user": {"id": user}, "team": {"id": "T0001"},
        "response_url": "http://127.0.0.1:9/none",
        "actions": [{"action_id": "case.claim", "value": "1", "type": "button"}]})}).encode()
    return {"command": (command, FORM), "event": (event, JSON), "click": (click, FORM)}


@pytest.mark.parametrize("forgery", ["unsigned", "wrong_secret", "replayed_6_min_later",
                                     "from_the_future", "body_swapped"])
def test_forged_or_replayed_requests_are_refused_on_every_surface(
        emulator: SlackEmulator, bot: RunningBot, forgery: str) -> None:
    alice = emulator.add_user("alice")
    general = emulator.add_channel("general", members=[alice])
    now = int(time.time())
    for surface, (body, headers) in _bodies(alice, general).items():
        if forgery == "unsigned":
            status, _ = emulator.post_to_bot(body, headers, sign=False)
        elif forgery == "wrong_secret":
            status, _ = emulator.post_to_bot(body, headers, secret="guessed-secret")
        elif forgery == "replayed_6_min_later":  # a captured request sent again later
            status, _ = emulator.post_to_bot(body, headers, timestamp=now - 6 * 60)
        elif forgery == "from_the_future":
            status, _ = emulator.post_to_bot(body, headers, timestamp=now + 6 * 60)
        else:  # a valid signature, over another body
            signed = {**headers, "X-Slack-Request-Timestamp": str(now),
                      "X-Slack-Signature": emulator.sign(b"text=help", now)}
            status, _ = emulator.post_to_bot(body, signed, sign=False)
        assert status == 401, surface
    with bot.container.uow() as uow:
        assert uow.session.scalars(select(Case)).all() == []
        assert uow.session.scalars(select(OutboxMessage)).all() == []
    assert emulator.ephemerals(alice) == [] and emulator.home_view(alice) is None


def test_the_case_webhook_needs_its_token(bot: RunningBot) -> None:
    url, body = f"{bot.url}/hooks/cases", {"title": "Disk full", "external_id": "PD-7"}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": HOOKS_TOKEN},
                    {"X-Swarmbot-Token": HOOKS_TOKEN[:-1]}, {"X-Swarmbot-Token": "é" * 9},
                    {"Authorization": "Basic " + HOOKS_TOKEN}):
        answer = requests.post(url, json=body, headers=headers, timeout=5)
        assert answer.status_code == 401, (headers, answer.text)
        assert HOOKS_TOKEN not in answer.text
    assert requests.post(url, json=body, headers={"X-Swarmbot-Token": HOOKS_TOKEN},
                         timeout=5).status_code == 201
    with bot.container.uow() as uow:
        assert len(uow.session.scalars(select(Case)).all()) == 1


# -- only the owner (or an admin) ----------------------------------------------------------
OWNER_ONLY = {"resolve": "resolve Fixed it", "owner": "owner <@{sam}>", "severity": "severity sev3"}


@pytest.mark.parametrize("action", sorted(OWNER_ONLY))
def test_only_the_owner_or_an_admin_may_resolve_hand_over_or_change_severity(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, action: str) -> None:
    admin, owner, other = parcelly["maya"], parcelly["tom"], parcelly["priya"]
    assert admin == "U00000003"  # the admin the fixture configured
    emulator.slash_command(owner, "/swarm", "new Carts emptied sev2 service:checkout",
                           channel=parcelly.general)
    channel = _case_channel(emulator)["id"]
    bot.settle()
    text = OWNER_ONLY[action].format(sam=parcelly["sam"])

    def state() -> tuple[Any, ...]:
        with bot.container.uow() as uow:
            case = uow.session.scalars(select(Case)).one()
            return case.status, case.owner_id, case.severity

    before = state()
    for intruder in (other, parcelly["reporter"], "U0NOBODY9"):
        answer = emulator.post_to_bot(urlencode({
            "command": "/swarm", "text": text, "user_id": intruder, "channel_id": channel,
            "team_id": "T0001", "trigger_id": "1.2.3",
            "response_url": "http://127.0.0.1:9/none"}).encode(), FORM)
        assert answer[0] == 200 and "Only the case owner" in answer[1]["text"], answer
        assert state() == before
    emulator.slash_command(admin, "/swarm", text, channel=channel)
    assert state() != before, emulator.ephemerals(admin)[-1]


# -- private (security) cases --------------------------------------------------------------
def test_a_security_case_is_private_and_its_title_stays_with_the_people_in_it(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    maya, outsider = parcelly["maya"], parcelly["reporter"]
    title = "Leaked admin credentials on staging"
    emulator.slash_command(maya, "/swarm", f"new {title} sev1 service:auth #security",
                           channel=parcelly.general)
    channel = _case_channel(emulator)
    assert channel["is_private"]
    bot.settle()
    invited = [h for h, u in parcelly.users.items()
               if any("Swarm invite" in (m.get("text") or "") for m in emulator.dm_messages(u))]
    assert invited
    emulator.slash_command(maya, "/swarm", "status Rotated the keys", channel=channel["id"])
    bot.settle()

    # Public places: nothing of the title (the owner's own ephemeral answer is fine).
    for public in (parcelly.general, parcelly.incidents):
        assert not any(title in json.dumps(m) for m in emulator.messages(public))
    assert "Rotated the keys" not in json.dumps(emulator.messages(parcelly.incidents))
    # An invite shows the title only once accepted.
    someone = parcelly[invited[0]]
    invite = next(m for m in emulator.dm_messages(someone)
                  if "Swarm invite" in (m.get("text") or ""))
    assert title not in json.dumps(invite)
    # Lists and App Home of people not in it: redacted; of people in it: the title.
    emulator.slash_command(outsider, "/swarm", "list", channel=parcelly.general)
    listed = json.dumps(emulator.ephemerals(outsider)[-1])
    assert "#0001" in listed and "Private case" in listed and title not in listed
    emulator.slash_command(maya, "/swarm", "list", channel=parcelly.general)
    assert title in json.dumps(emulator.ephemerals(maya)[-1])
    for user in (outsider, someone):
        emulator.open_home(user)
    bot.settle()
    assert title not in json.dumps(emulator.home_view(someone))
    assert "Private case" in json.dumps(emulator.home_view(someone))
    emulator.react(someone, invite["channel"], invite["ts"], "white_check_mark")
    bot.settle()
    assert someone in emulator.channel(channel["id"])["members"]
    assert any(title in json.dumps(m) for m in emulator.dm_messages(someone))  # now in it


def test_a_webhook_can_open_a_private_case(emulator: SlackEmulator, bot: RunningBot,
                                           parcelly: Workspace) -> None:
    answer = requests.post(f"{bot.url}/hooks/cases", json={
        "title": "Possible breach", "external_id": "SEC-1", "private": True},
        headers={"Authorization": f"Bearer {HOOKS_TOKEN}"}, timeout=5)
    assert answer.status_code == 201
    assert _case_channel(emulator)["is_private"]
    refused = requests.post(f"{bot.url}/hooks/cases", json={
        "title": "x", "external_id": "SEC-2", "private": "yes"},
        headers={"Authorization": f"Bearer {HOOKS_TOKEN}"}, timeout=5)
    assert refused.status_code == 400 and "private" in refused.json()["error"]


# -- secrets never in logs, errors or answers ----------------------------------------------
def test_tokens_and_secrets_never_appear_in_logs_errors_or_answers(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace,
        caplog: pytest.LogCaptureFixture, clock: Clock) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = (BOT_TOKEN, SIGNING_SECRET, HOOKS_TOKEN)
    emulator.faults.add("chat.postMessage", kind="http_500", times=2)
    emulator.faults.add("conversations.invite", kind="error", error="invalid_auth")
    emulator.faults.add("views.publish", kind="timeout", seconds=0.5)
    answers = [emulator.slash_command(parcelly["maya"], "/swarm",
                                      "new Payments down sev1 service:payments",
                                      channel=parcelly.general).body]
    emulator.open_home(parcelly["maya"])
    channel = _case_channel(emulator)["id"]
    answers.append(emulator.slash_command(parcelly["tom"], "/swarm", "resolve nope",
                                          channel=channel).body)
    answers.append(requests.post(f"{bot.url}/hooks/cases", json={"title": ""},
                                 headers={"Authorization": "Bearer " + HOOKS_TOKEN[::-1]},
                                 timeout=5).text)
    answers.append(emulator.post_to_bot(b"{", JSON)[1])
    for _ in range(20):
        clock.advance(seconds=30)
        bot.container.dispatcher.kick()
        time.sleep(0.05)
    with bot.container.uow() as uow:
        errors = [m.last_error or "" for m in uow.session.scalars(select(OutboxMessage))]
    assert any(errors) and caplog.records  # the faults did happen and were logged
    seen = "\n".join([caplog.text, *map(str, answers), *errors])
    for secret in secrets:
        assert secret not in seen


def test_control_characters_and_nul_are_dropped_not_refused_by_the_database(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    """PostgreSQL refuses NUL in text: before, such a title became the generic apology."""
    answer = emulator.slash_command(parcelly["maya"], "/swarm",
                                    "new Outage\x00 in \x1b[31meu\u202e sev3",
                                    channel=parcelly.general)
    assert "Case #0001 declared" in answer.body["text"], answer.body
    hook = requests.post(f"{bot.url}/hooks/cases", json={
        "title": "Disk\x00 full", "external_id": "PD\x00-1", "tags": ["d\x00b"],
        "description": "a\x00b"}, headers={"Authorization": f"Bearer {HOOKS_TOKEN}"}, timeout=5)
    assert hook.status_code == 201, hook.text
    with bot.container.uow() as uow:
        cases = uow.session.scalars(select(Case).order_by(Case.id)).all()
        assert [(c.title, c.tags) for c in cases] == [("Outage in [31meu", []),
                                                      ("Disk full", ["db"])]

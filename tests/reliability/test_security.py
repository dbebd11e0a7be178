"""Security over real signed HTTP: forged, tampered and replayed requests to every Slack
surface are refused; the case webhook needs its token; only the owner (or an admin) resolves,
hands over or changes severity; private (security) cases get private channels and keep their
title out of public channels and out of other people's lists and App Homes; tokens and
secrets never show up in logs, errors or answers."""

from __future__ import annotations

import csv
import io
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
from bot.sandbox.emulator import SlackEmulator, payloads
from bot.sandbox.seed import POLICY_FILE
from bot.web.server import WebServer
from models.case import Case, StatusUpdate
from models.scheduling import OutboxMessage
from tests.e2e.conftest import (
    BOT_TOKEN,
    DASHBOARD_TOKEN,
    HOOKS_TOKEN,
    SIGNING_SECRET,
    Clock,
    RunningBot,
    Workspace,
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
        policy_path=POLICY_FILE, admins="U00000003", dashboard_token=DASHBOARD_TOKEN)
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


# -- replays: the same signed bytes again, inside Slack's 5-minute window -------------------
def _command(emulator: SlackEmulator, user: str, channel: str, text: str, trigger: str) -> bytes:
    return urlencode(payloads.slash_command(
        team_id="T0001", team_domain="acme", channel_id=channel, channel_name="x",
        user_id=user, user_name="someone", command="/swarm", text=text, api_app_id="A0001",
        response_url=f"{emulator.base_url}/response/none", trigger_id=trigger)).encode()


def _count(bot: RunningBot, model: Any) -> int:
    with bot.container.uow() as uow:
        return len(uow.session.scalars(select(model)).all())


def test_a_replayed_signed_request_is_handled_once_on_every_surface(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    """Captured 150 s ago and sent again (same bytes, same signature): Slack's timestamp
    check still lets it through; the bot answers the copy 200 and does nothing twice."""
    maya = parcelly["maya"]
    signed_at = int(time.time()) - 150
    new = _command(emulator, maya, parcelly.general, "new Replayed outage sev1", "10.1")
    first = emulator.post_to_bot(new, FORM, timestamp=signed_at, timeout=20)
    assert first[0] == 200 and "Case #0001 declared" in first[1]["text"], first
    assert emulator.post_to_bot(new, FORM, timestamp=signed_at, timeout=20)[0] == 200
    assert _count(bot, Case) == 1

    channel = _case_channel(emulator)["id"]
    status = _command(emulator, maya, channel, "status Failing over", "10.2")
    for _ in range(3):
        assert emulator.post_to_bot(status, FORM, timestamp=signed_at, timeout=20)[0] == 200
    assert _count(bot, StatusUpdate) == 1

    modal = urlencode({"payload": json.dumps({
        "type": "view_submission", "user": {"id": maya}, "team": {"id": "T0001"},
        "api_app_id": "A0001", "trigger_id": "10.3",
        "view": {"id": "V1", "type": "modal", "callback_id": "case.declare",
                 "private_metadata": parcelly.general,
                 "state": {"values": {"case_title": {"value": {
                     "type": "plain_text_input", "value": "Replayed from the form"}}}}}})}
                     ).encode()
    for _ in range(2):
        assert emulator.post_to_bot(modal, FORM, timestamp=signed_at, timeout=20)[0] == 200
    assert _count(bot, Case) == 2

    home = json.dumps(payloads.event_callback(
        team_id="T0001", api_app_id="A0001", bot_user_id="U00000001", event_id="EvHome1",
        event={"type": "app_home_opened", "user": maya, "tab": "home"})).encode()
    bot.settle()  # what the declarations caused is delivered: the outbox holds still
    assert emulator.post_to_bot(home, JSON, timestamp=signed_at, timeout=20)[0] == 200
    bot.settle()
    once = _count(bot, OutboxMessage)
    assert emulator.post_to_bot(home, JSON, timestamp=signed_at, timeout=20)[0] == 200
    bot.settle()
    assert _count(bot, OutboxMessage) == once


@pytest.mark.parametrize("stamp, signature", [
    ("abc", None), ("", None), ("1e9", None), ("-5", None), ("{now}.5", None), ("²", None),
    ("9" * 40, None), ("{now}", "v0=" + "0" * 64), ("{now}", ""), ("{now}", "v1=abc"),
    ("{now}", "sha256=" + "0" * 64)])
def test_bad_signature_headers_are_refused_with_one_short_log_line(
        emulator: SlackEmulator, bot: RunningBot, caplog: pytest.LogCaptureFixture,
        stamp: str, signature: str | None) -> None:
    caplog.set_level(logging.DEBUG)
    body = urlencode({"command": "/swarm", "text": "new Forged sev1 " + "A" * 500_000,
                      "user_id": "U1", "channel_id": "C1"}).encode()
    now = str(int(time.time()))
    stamp = stamp.format(now=now)
    headers = {**FORM, "X-Slack-Request-Timestamp": stamp,
               "X-Slack-Signature": signature if signature is not None
               else emulator.sign(body, int(now))}
    status, answer = emulator.post_to_bot(body, headers, sign=False)
    assert status == 401, (status, answer)
    assert "AAAA" not in caplog.text, caplog.text[:3000]
    refusals = [r.getMessage() for r in caplog.records if "refused a Slack request" in
                r.getMessage()]
    assert len(refusals) == 1 and len(refusals[0]) < 300, refusals
    assert _count(bot, Case) == 0


def test_oversized_slack_bodies_are_refused_before_anything_reads_them(
        emulator: SlackEmulator, bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for size in (1_500_000, 10_000_000):  # over the cap; over what waitress buffers
        body = urlencode({"command": "/swarm", "text": "new Huge", "user_id": "U1",
                          "channel_id": "C1", "pad": "A" * size}).encode()
        status, _ = emulator.post_to_bot(body, FORM, timeout=30)
        assert status == 413, size
    assert "AAAA" not in caplog.text
    assert all(len(r.getMessage()) < 300 for r in caplog.records)
    assert _count(bot, Case) == 0


# -- the web app's own protections ----------------------------------------------------------
def _hook(bot: RunningBot, body: Any, **headers: str) -> requests.Response:
    return requests.post(f"{bot.url}/hooks/cases", data=json.dumps(body), timeout=10,
                         headers={**JSON, "Authorization": f"Bearer {HOOKS_TOKEN}", **headers})


def test_every_response_of_the_web_app_carries_the_security_headers(
        emulator: SlackEmulator, bot: RunningBot) -> None:
    assert _hook(bot, {"title": "Disk full", "external_id": "PD-1"}).status_code == 201
    bearer = {"Authorization": f"Bearer {DASHBOARD_TOKEN}"}
    answers = [
        requests.get(f"{bot.url}/dashboard", headers=bearer, timeout=30),
        requests.get(f"{bot.url}/dashboard", timeout=10),
        requests.get(f"{bot.url}/dashboard/charts/load.svg", headers=bearer, timeout=30),
        requests.get(f"{bot.url}/dashboard/cases/1/review.md", headers=bearer, timeout=10),
        requests.get(f"{bot.url}/dashboard/export/cases.csv", headers=bearer, timeout=10),
        requests.get(f"{bot.url}/healthz", timeout=10),
        requests.get(f"{bot.url}/nowhere", timeout=10),
        requests.get(f"{bot.url}/hooks/cases", timeout=10),
        _hook(bot, {"title": 1}), _hook(bot, {}, Authorization="Bearer x"),
        requests.post(f"{bot.url}/slack/events", data=b"x", timeout=10)]
    for answer in answers:
        where = (answer.request.method, answer.request.url, answer.status_code)
        assert answer.status_code < 500, where
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", where
        assert answer.headers.get("X-Frame-Options") == "DENY", where
        assert answer.headers.get("Referrer-Policy") == "no-referrer", where
        assert "frame-ancestors 'none'" in answer.headers.get("Content-Security-Policy", ""), where
    page = answers[0]
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    nonce = page.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in page.text


def test_the_dashboard_signs_in_with_a_session_and_drops_the_token_from_the_url(
        bot: RunningBot) -> None:
    browser = requests.Session()
    login = browser.get(f"{bot.url}/dashboard?token={DASHBOARD_TOKEN}", timeout=30,
                        allow_redirects=False)
    assert login.status_code == 303 and login.headers["Location"].endswith("/dashboard")
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/dashboard" in cookie
    assert DASHBOARD_TOKEN not in cookie
    assert browser.get(f"{bot.url}/dashboard", timeout=30).status_code == 200
    assert browser.get(f"{bot.url}/dashboard/export/cases.csv", timeout=30).status_code == 200
    # the old cookie (the raw token), a tampered session, none: signed out
    for jar in ({"swarmbot_dashboard": DASHBOARD_TOKEN},
                {"swarmbot_dashboard": browser.cookies["swarmbot_dashboard"][:-2] + "xx"}, {}):
        assert requests.get(f"{bot.url}/dashboard", cookies=jar, timeout=30
                            ).status_code == 401, jar


def test_reviews_are_text_and_exports_do_not_run_as_formulas(bot: RunningBot) -> None:
    bearer = {"Authorization": f"Bearer {DASHBOARD_TOKEN}"}
    titles = ['=HYPERLINK("http://evil.example","open")', "+1 sum", "-2 minus", "@SUM(A1)",
              "<script>alert(1)</script>"]
    for n, title in enumerate(titles):
        assert _hook(bot, {"title": title, "external_id": f"X-{n}"}).status_code == 201
    review = requests.get(f"{bot.url}/dashboard/cases/5/review.md", headers=bearer, timeout=10)
    assert review.headers["Content-Type"].startswith("text/markdown")
    assert review.headers["X-Content-Type-Options"] == "nosniff"
    assert review.headers["Content-Security-Policy"].startswith("default-src 'none'")
    for huge in ("99999999999999999999999", "2147483648", "0"):
        missing = requests.get(f"{bot.url}/dashboard/cases/{huge}/review.md", headers=bearer,
                               timeout=10)
        assert missing.status_code == 404, (huge, missing.text)
    csv_text = requests.get(f"{bot.url}/dashboard/export/cases.csv", headers=bearer,
                            timeout=10).text
    cells = [row["title"] for row in csv.DictReader(io.StringIO(csv_text))]
    assert cells == ["'" + t for t in titles[:4]] + [titles[4]], cells
    jsonl = requests.get(f"{bot.url}/dashboard/export/cases.jsonl", headers=bearer, timeout=10)
    assert json.loads(jsonl.text.splitlines()[0])["title"] == titles[0]  # data, unchanged


def test_webhook_fields_have_one_type_and_bad_bodies_change_nothing(bot: RunningBot) -> None:
    refused = [{"title": "Disk", "external_id": True}, {"title": "Disk", "external_id": 1.5},
               {"title": "Disk", "external_id": "PD-1", "description": {"a": 1}},
               {"title": "Disk", "external_id": "PD-1", "source": ["pd"]},
               {"title": "Disk", "external_id": "PD-1", "severity": 1},
               {"title": "Disk", "external_id": "PD-1", "service": False},
               {"title": "Disk", "external_id": "x" * 201},
               {"title": "Disk", "external_id": "PD-1", "source": "s" * 33}]
    for body in refused:
        answer = _hook(bot, body)
        assert answer.status_code == 400 and answer.json()["error"], (body, answer.text)
    deep = requests.post(f"{bot.url}/hooks/cases", data="[" * 10_000 + "]" * 10_000,
                         headers={**JSON, "Authorization": f"Bearer {HOOKS_TOKEN}"}, timeout=10)
    assert deep.status_code == 400 and "JSON" in deep.json()["error"], deep.text
    assert _count(bot, Case) == 0
    assert _hook(bot, {"title": "Disk\ud800 full", "external_id": 42}).status_code == 201
    with bot.container.uow() as uow:
        case = uow.session.scalars(select(Case)).one()
        assert (case.title, case.external_id) == ("Disk full", "42")


def test_one_external_id_opens_one_case_per_source(bot: RunningBot) -> None:
    """Two tools may use the same ids for different incidents: merging them would hide one."""
    answers = [_hook(bot, {"title": "Disk full", "external_id": "7", "source": source})
               for source in ("pagerduty", "pagerduty", "jira")]
    assert [a.status_code for a in answers] == [201, 200, 201]
    assert answers[0].json()["case"] == answers[1].json()["case"] != answers[2].json()["case"]


def test_chunked_bodies_are_capped_too_under_gunicorn(emulator: SlackEmulator,
                                                      tmp_path: Path) -> None:
    """`swarmbot serve` as deployed: gunicorn hands a chunked body over unmeasured (waitress
    measures it first), so the cap must hold while reading."""
    import os
    import subprocess
    import sys

    from bench.fleet import _free_port, serving

    port = _free_port()
    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": emulator.api_url, "HOST": "127.0.0.1", "PORT": str(port),
           "DATABASE_URL": f"sqlite:///{tmp_path}/serve.sqlite3", "WEB_CONCURRENCY": "1",
           "SWARMBOT_HOOKS_TOKEN": HOOKS_TOKEN, "SWARMBOT_MODEL_PATH": str(tmp_path / "none"),
           "SWARMBOT_POLICY": str(POLICY_FILE), "LOG_LEVEL": "WARNING"}
    with open(tmp_path / "serve.log", "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
    try:
        assert serving(port, timeout=90), (tmp_path / "serve.log").read_text()[-2000:]

        def chunked(path: str, data: bytes, **headers: str) -> requests.Response:
            pieces = (data[i:i + 8192] for i in range(0, len(data), 8192))
            return requests.post(f"http://127.0.0.1:{port}{path}", data=pieces, timeout=60,
                                 headers=headers)

        hook = {**JSON, "Authorization": f"Bearer {HOOKS_TOKEN}"}
        big = json.dumps({"title": "Disk full", "external_id": "PD-1",
                          "description": "x" * 100_000}).encode()
        assert chunked("/hooks/cases", big, **hook).status_code == 413
        stamp = int(time.time())
        slack = urlencode({"command": "/swarm", "text": "new Huge", "user_id": "U1",
                           "channel_id": "C1", "pad": "A" * 1_500_000}).encode()
        assert chunked("/slack/events", slack, **FORM, **{
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": emulator.sign(slack, stamp)}).status_code == 413
        small = json.dumps({"title": "Disk full", "external_id": "PD-2"}).encode()
        assert chunked("/hooks/cases", small, **hook).status_code == 201
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_keys_of_handled_requests_are_forgotten_once_slack_would_refuse_them(
        bot: RunningBot) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.services import replays

    now = datetime.now(UTC)
    with bot.container.uow() as uow:
        assert uow.requests.first_time("old", now - timedelta(seconds=1))
        assert uow.requests.first_time("fresh", now + timedelta(minutes=5))
        assert not uow.requests.first_time("fresh", now + timedelta(minutes=5))
        uow.commit()
    assert replays.forget_expired(bot.container.services) == 1
    assert not replays.seen(bot.container.services, "old")
    assert replays.seen(bot.container.services, "fresh")

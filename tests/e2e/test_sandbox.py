"""The sandbox (what `make run` starts): Parcelly's people, a model trained on the bundled
history, and the console that lets a newcomer act as them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.console import Console
from bot.sandbox.invites import invite_dms
from bot.sandbox.run import start_sandbox

pytestmark = pytest.mark.e2e


def reword_the_invite(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The invite DM says something else than "Swarm invite": the sandbox finds invites by
    the bot's invite rows, not by their words."""
    import bot.slack.effects.invites as invites

    original, sent = invites.invite_message, []

    def reworded(**kwargs: Any) -> tuple[str, Any]:
        text, blocks = original(**kwargs)
        assert "Swarm invite" in text
        sent.append(text.replace("Swarm invite", "Can you help with"))
        return sent[-1], blocks

    monkeypatch.setattr(invites, "invite_message", reworded)
    return sent


def test_a_newcomer_can_swarm_an_incident_from_the_console(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reword_the_invite(monkeypatch)
    sandbox = start_sandbox(database_url=f"sqlite:///{tmp_path}/sandbox.sqlite3",
                            model_path=tmp_path / "model.joblib")
    lines: list[str] = []
    try:
        console = Console(sandbox.emulator, sandbox.users, sandbox.channels["general"],
                          sandbox.container.services, out=lines.append)
        # sev1: invites go out whatever the hour in the experts' zones
        console.handle("maya: /swarm new Card payments declined sev1 service:payments #stripe")
        sandbox.emulator.wait_for(lambda: any(c["name"].startswith("swarm-0001")
                                              for c in sandbox.emulator.channels()), timeout=10)
        console.catch_up()
        text = "\n".join(lines)
        assert "Case #0001 declared" in text
        invited = sandbox.emulator.wait_for(lambda: [
            h for h in sandbox.users
            if invite_dms(sandbox.container.services, sandbox.emulator, sandbox.users[h])],
            timeout=10)
        assert "Swarm invite" not in str(sandbox.emulator.dm_messages(sandbox.users[invited[0]]))
        console.handle(f"{invited[0]}: react white_check_mark")
        channel = next(c for c in sandbox.emulator.channels() if c["name"].startswith("swarm-0001"))
        sandbox.emulator.wait_for(lambda: sandbox.users[invited[0]] in
                                  sandbox.emulator.channel(channel["id"])["members"], timeout=10)
        lines.clear()
        console.handle(f"show #{channel['name']}")
        assert "joined the swarm" in "\n".join(lines) or "Recommended experts" in "\n".join(lines)
    finally:
        sandbox.stop()


def test_the_web_page_shows_the_workspace_and_acts_as_its_people(tmp_path: Path) -> None:
    import requests

    sandbox = start_sandbox(database_url=f"sqlite:///{tmp_path}/sandbox.sqlite3",
                            model_path=tmp_path / "model.joblib")
    try:
        assert sandbox.page is not None
        page = sandbox.page.url
        html = requests.get(f"{page}/", timeout=5).text
        assert "@olivia · Olivia Chen" in html and "#general" in html

        answer = requests.post(f"{page}/api/command", timeout=10, json={
            "as": "olivia", "channel": sandbox.channels["general"],
            "text": "/swarm new Checkout shows <b>NaN</b> totals sev1 service:checkout"})
        assert answer.json() == {"ok": True}
        general = requests.get(f"{page}/api/state", params={"as": "olivia", "c": "general"},
                               timeout=5).json()
        assert "Case #0001 declared; you own it" in general["messages"]
        assert "Only visible to you" in general["messages"]

        sandbox.emulator.wait_for(lambda: any(c["name"].startswith("swarm-0001")
                                              for c in sandbox.emulator.channels()), timeout=10)
        case = next(c for c in sandbox.emulator.channels() if c["name"].startswith("swarm-0001"))
        shown = sandbox.emulator.wait_for(lambda: (s := requests.get(
            f"{page}/api/state", params={"as": "olivia", "c": case["id"]}, timeout=5).json())
            and "Checkout shows" in s["messages"] and s, timeout=10)
        assert "@olivia" in shown["header"]  # the owner is in the channel, named by handle
        assert "&lt;b&gt;NaN&lt;/b&gt;" in shown["messages"]  # typed markup stays text
        assert "<b>NaN</b>" not in shown["messages"]

        refused = requests.post(f"{page}/api/command", timeout=10, json={
            "as": "olivia", "channel": case["id"], "text": "/deploy now"})
        assert refused.status_code == 400 and "not a valid command" in refused.json()["error"]
    finally:
        sandbox.stop()


def test_the_page_shows_the_case_channels_bookmarks(tmp_path: Path) -> None:
    import requests

    sandbox = start_sandbox(database_url=f"sqlite:///{tmp_path}/sandbox.sqlite3",
                            model_path=tmp_path / "model.joblib")
    try:
        assert sandbox.page is not None
        ticket = "https://parcelly.zendesk.example/tickets/7?a=1&b=<2>"
        answer = requests.post(f"{sandbox.server.url}/hooks/cases", timeout=10,
                               headers={"Authorization": "Bearer sandbox"},
                               json={"title": "Refunds stuck", "external_id": "ZD-7",
                                     "source": "zendesk", "url": ticket[:48]})
        assert answer.status_code == 201, answer.text
        sandbox.emulator.wait_for(lambda: any(
            c["name"].startswith("swarm-0001") and c["bookmarks"]
            for c in sandbox.emulator.channels()), timeout=20)
        case = next(c for c in sandbox.emulator.channels() if c["name"].startswith("swarm-0001"))
        header = requests.get(f"{sandbox.page.url}/api/state",
                              params={"as": "olivia", "c": case["id"]}, timeout=5).json()["header"]
        assert 'class="bookmark"' in header and "Source ticket (zendesk)" in header
        assert 'href="https://parcelly.zendesk.example/tickets/7?a=1&amp;b"' in header
    finally:
        sandbox.stop()

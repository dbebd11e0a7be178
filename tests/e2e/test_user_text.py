"""What people type never pings or phishes when the bot shows it again: a title, status
update, resolution summary or reason holding `<!channel>`, `<!here>`, `<!everyone>`,
`<!subteam^…>` or `<http://evil|Re-authenticate>` reaches every surface (case channel,
#incidents, invite DMs, App Home, ephemeral answers, the summary, the review) as the
characters typed — and the people the bot names stay mentions. The channel topic, which
Slack shows as plain text, carries neither markup nor entities."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.sandbox.emulator import SlackEmulator
from bot.sandbox.web import render
from bot.sandbox.web.app import _header
from tests.e2e.conftest import Clock, RunningBot, Workspace
from tests.e2e.test_swarming_flow import _case_channel, _invites_to

pytestmark = pytest.mark.e2e

PING_OR_LINK = re.compile(r"<(?:!channel|!here|!everyone|!subteam\^|https?://evil)")
TITLE = "Checkout <!channel> down <http://evil.example|Re-authenticate>"


def _texts(obj: Any) -> list[str]:
    """Every string Slack would parse as mrkdwn (or notify from) in a message or view."""
    if isinstance(obj, dict):
        if obj.get("type") == "plain_text":
            return []  # headers and buttons: Slack does not parse them
        return [t for value in obj.values() for t in _texts(value)]
    if isinstance(obj, list):
        return [t for value in obj for t in _texts(value)]
    return [obj] if isinstance(obj, str) else []


def _clean(where: str, items: list[Any]) -> None:
    for item in items:
        for text in _texts(item):
            assert not PING_OR_LINK.search(text), f"{where}: {text!r}"


def test_typed_markup_is_shown_as_typed_on_every_surface(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    maya = parcelly["maya"]
    emulator.slash_command(maya, "/swarm", f"new {TITLE} sev1 service:checkout",
                           channel=parcelly.general)
    channel = _case_channel(emulator)["id"]
    emulator.wait_for(lambda: len(_invites_to(emulator, parcelly)) == 3, timeout=10)
    emulator.slash_command(maya, "/swarm", "status <!here> <!subteam^S0PS> look at "
                           f"<http://evil.example/login|the dashboard>, ask <@{parcelly['tom']}>",
                           channel=channel)
    emulator.slash_command(maya, "/swarm", "severity <!everyone>", channel=channel)
    emulator.slash_command(maya, "/swarm", f"followup Page <!channel> again <@{parcelly['tom']}>",
                           channel=channel)
    emulator.slash_command(maya, "/swarm", "followup", channel=channel)
    assert "Page &lt;!channel&gt; again" in emulator.ephemerals(maya)[-1]["text"]
    emulator.slash_command(maya, "/swarm", "list", channel=parcelly.general)
    invited = next(iter(_invites_to(emulator, parcelly)))
    for user in (maya, parcelly[invited]):
        emulator.open_home(user)
    clock.advance(minutes=30)
    emulator.slash_command(maya, "/swarm", "resolve <!channel> fixed, see "
                           "<http://evil.example|runbook>", channel=channel)
    bot.settle()

    case_messages = emulator.messages(channel)
    _clean("case channel", case_messages)
    _clean("#incidents", emulator.messages(parcelly.incidents))
    for handle, user in parcelly.users.items():
        _clean(f"DMs of {handle}", emulator.dm_messages(user))
        _clean(f"App Home of {handle}", [emulator.home_view(user)])
        _clean(f"answers to {handle}", emulator.ephemerals(user))
    everything = json.dumps([case_messages, emulator.messages(parcelly.incidents)])
    # shown, as the characters typed — not dropped
    assert "&lt;!channel&gt;" in everything and "&lt;!here&gt;" in everything
    assert "&lt;http://evil.example|Re-authenticate&gt;" in everything
    incidents = json.dumps(emulator.messages(parcelly.incidents))
    assert "&lt;!channel&gt;" in incidents and "&lt;!here&gt;" in incidents  # title, status
    assert "&lt;!everyone&gt;" in json.dumps(emulator.ephemerals(maya))  # the refusal's echo
    assert "Private" not in incidents  # (not a private case: only escaped, not hidden)
    # a person named in the text is still a mention; so are the people the bot names
    status = next(m for m in case_messages if "Status update" in (m.get("text") or ""))
    assert f"<@{parcelly['tom']}>" in status["text"] and f"<@{maya}>" in status["text"]
    # the topic is plain text: no mention markup, no entities
    topic = emulator.channel(channel)["topic"]
    assert "owner @maya" in topic and "<" not in topic and "&lt;" not in topic

    # The sandbox page shows the escaped text as typed, not as a mention or a link.
    summary = next(m for m in case_messages if m.get("blocks") and "Status update"
                   not in (m.get("text") or "") and "resolved" in json.dumps(m))
    html = render.message(summary, render.Directory(), viewer=maya)
    assert "&lt;!channel&gt;" in html and 'class="mention">@channel' not in html
    assert 'href="http://evil.example"' not in html
    # …and the topic as Slack does: plain text, not mrkdwn
    header = _header({**emulator.channel(channel), "topic": "call <http://evil.example|here>"},
                     render.Directory())
    assert "&lt;http://evil.example|here&gt;" in header and "<a href" not in header

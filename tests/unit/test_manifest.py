"""slack/manifest.yml asks for the scopes and events the code uses, no more: each scope is
one `swarmbot doctor` checks, and each event one a listener handles."""

from __future__ import annotations

import re
from pathlib import Path

from bot.slack.scopes import BOT_SCOPES, granted

MANIFEST = Path(__file__).resolve().parents[2] / "slack" / "manifest.yml"


def _list_under(key: str) -> set[str]:
    """The `- item` lines of the YAML list right under `key:` (comments dropped)."""
    lines = MANIFEST.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{key}:")
    items = set()
    for line in lines[start + 1:]:
        match = re.match(r"\s*- ([^\s#]+)", line)
        if not match:
            break
        items.add(match[1])
    return items


def test_the_manifest_asks_for_the_scopes_the_doctor_checks() -> None:
    assert _list_under("bot") == set(BOT_SCOPES)


def test_no_scope_nothing_uses() -> None:
    assert not {"channels:join", "users:read.email"} & _list_under("bot")


def test_events_subscribed_are_the_ones_handled() -> None:
    events = _list_under("bot_events")
    assert "reaction_removed" not in events
    assert events == {"reaction_added", "app_home_opened", "user_change",
                      "subteam_members_changed", "subteam_updated"}


def test_dms_are_read_only_since_the_bot_reads_none() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    assert "messages_tab_read_only_enabled: true" in text


def test_scopes_header_is_read_with_or_without_spaces() -> None:
    assert granted("chat:write, commands,users:read") == {"chat:write", "commands", "users:read"}
    assert granted(None) == frozenset()

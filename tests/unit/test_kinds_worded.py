"""Every kind the bot records has its words: a note kind in bot/slack/notes.py, a timeline
kind in bot/domain/timeline.py (or it is stored with its text) — a kind added without them
would crash delivery or drop silently out of the review."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.domain.states import TimelineKind
from bot.domain.timeline import _KINDS, STORED_AS_TEXT
from bot.services.effects import NoteKind
from bot.slack.notes import NOTES

SERVICES = Path(__file__).parents[2] / "bot" / "services"


def test_every_note_kind_has_its_words() -> None:
    assert set(NoteKind) - set(NOTES) == set()
    assert set(NOTES) - set(NoteKind) == set()


def test_the_services_name_note_kinds_by_the_enum_not_by_a_string() -> None:
    strings = []
    for path in sorted(SERVICES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "note" \
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                strings.append(f"{path.name}:{node.value.lineno}")
    assert strings == []


def test_every_timeline_kind_is_worded_or_stored_with_its_text() -> None:
    worded = set(_KINDS) | {TimelineKind.WORKFLOW_RUN}
    assert set(TimelineKind) - worded - STORED_AS_TEXT == set()
    assert worded & STORED_AS_TEXT == set()

"""The permission table is the README's "who" column, word for word, and covers every
`/swarm` command; /swarm help shows the same rule."""

from __future__ import annotations

import re
from pathlib import Path

from bot.domain import permissions
from bot.domain.permissions import RULES, who
from bot.slack.commands import parse_command_text
from bot.slack.listeners.commands import build_table
from bot.slack.listeners.commands.router import CommandContext

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_who() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| command | who | what it does |"):]
    table = table[:table.index("\n\n")]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = re.split(r"(?<!\\)\|", line)  # a `\|` inside a cell is not a border
        command = re.match(r" `/swarm (\w+)", cells[1])
        assert command, line
        rows[command[1]] = cells[2].strip()
    return rows


def test_the_readme_who_column_is_the_permission_table() -> None:
    rows = _readme_who()
    commands = [name for name, _, _ in build_table().usages()]
    documented = {c for c in commands if c not in ("away", "back")}  # on the `skills` row
    assert set(rows) == documented
    for name, cell in rows.items():
        assert cell == who(name), name


def test_every_command_has_a_rule() -> None:
    commands = {name for name, _, _ in build_table().usages()}
    assert commands <= set(RULES)
    buttons = {"approval", "resolution", "workflow"}
    assert {a.split(" ")[0] for a in RULES} - commands <= buttons


def test_help_says_who_may_use_each_command() -> None:
    table = build_table()
    reply = table.find("help").handler(CommandContext(
        user_id="U1", channel_id="C1", request=parse_command_text("help"), services=None))
    text = str(reply.blocks)
    assert "`/swarm leave` — leave the swarm and its channel (an owner hands the case over " \
           "first) — _people in the swarm, but not the owner_" in text
    assert "`/swarm resolve <summary>` — close the case with how it was solved — " \
           "_owner, admins_" in text


def test_a_refusal_names_people_as_data_and_slack_shows_them_as_mentions() -> None:
    from bot.slack.errors import user_message

    error = permissions.refusal("followup done", "mark F1 done", owner="UOWN",
                                item_owner="UITEM")
    assert "<@" not in error.message and error.people == {"owner": "UOWN", "item_owner": "UITEM"}
    assert "<@UITEM>" in user_message(error) and "<@UOWN>" in user_message(error)
    assert "@UITEM" in str(error) and "<@" not in str(error)  # a surface that is not Slack

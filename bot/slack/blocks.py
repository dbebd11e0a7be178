"""Block Kit built by pure functions: data in, dicts out. Tested without Slack."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Blocks = list[dict[str, Any]]


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def help_blocks(usages: Iterable[tuple[str, str]]) -> Blocks:
    """The `/swarm help` answer: one line per subcommand, usage then what it does."""
    lines = [f"`/swarm {usage}` — {summary}" for usage, summary in usages]
    return [
        section("*swarmbot* runs swarming for incidents: the person who declares a case owns "
                "it to the end, and the bot brings the right experts to it."),
        section("\n".join(lines)),
        context("Accept a swarm invite by reacting :white_check_mark: (or :raising_hand:), "
                "decline with :x:."),
    ]

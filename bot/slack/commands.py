"""Parsing `/swarm <subcommand> <args>` text into a request. Pure: text in, data out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.domain.errors import UsageError
from bot.services.text import printable

MAX_COMMAND_TEXT = 3000
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


@dataclass(frozen=True)
class SubcommandRequest:
    name: str
    args: str = ""
    words: tuple[str, ...] = field(default=())


def parse_command_text(text: str | None) -> SubcommandRequest:
    """Split the text after `/swarm` into a lower-cased subcommand and its argument text."""
    text = printable(text or "").strip()
    if len(text) > MAX_COMMAND_TEXT:
        raise UsageError(f"That command is too long ({len(text)} characters; at most "
                         f"{MAX_COMMAND_TEXT}).")
    if not text:
        return SubcommandRequest(name="help")
    name, _, rest = text.partition(" ")
    rest = rest.strip()
    return SubcommandRequest(name=name.lower(), args=rest, words=tuple(rest.split()))


def mentioned_users(text: str) -> list[str]:
    """User ids from Slack's escaped mentions (`<@U123|name>`), in order, without repeats."""
    seen: list[str] = []
    for user_id in _USER_MENTION.findall(text):
        if user_id not in seen:
            seen.append(user_id)
    return seen

"""Parsing `/swarm <subcommand> <args>` text into a request. Pure: text in, data out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.domain.errors import InvalidInput, UsageError
from bot.services.text import printable

MAX_COMMAND_TEXT = 3000
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# `@ana` typed as text (not picked from the autocomplete): Slack sends it as is, not as a
# mention, so it names nobody. (`ops@example.com` has no space before its `@`.)
_PLAIN_AT = re.compile(r"(?:^|(?<=\s))@([\w.\-]+)")


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


def people_named(text: str) -> list[str]:
    """The people a command names, as Slack user ids (`mentioned_users`); a plain `@name`
    that is not a mention is refused clearly instead of being ignored."""
    plain = _PLAIN_AT.search(_USER_MENTION.sub(" ", text))
    if plain:
        raise InvalidInput(f"`@{plain[1][:40]}` is plain text, not a Slack mention, so it names "
                           "nobody: pick the person from Slack's autocomplete when you type "
                           "`@`. Nothing was changed.")
    return mentioned_users(text)

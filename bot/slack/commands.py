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


# A case named from outside its channel: `#12`, `12`, `#0012`, a channel mention
# (`<#C123|swarm-0012-…>`, as Slack escapes it with `should_escape: true`) or the channel's
# name typed as text (`#swarm-0012-…`).
_CASE_NUMBER = re.compile(r"^(#)?0*(\d{1,9})$")
_CHANNEL_MENTION = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL_NAME = re.compile(r"^#swarm-0*(\d{1,9})(?:-[\w\-]*)?$")


@dataclass(frozen=True)
class CaseReference:
    """Which case a command names: by its number, or by its channel."""

    number: int | None = None
    channel_id: str | None = None


def split_case_reference(args: str, *, bare_numbers: bool = True
                         ) -> tuple[CaseReference | None, str]:
    """The case reference the argument text starts with, if any, and the rest of the text.
    `bare_numbers=False`: a plain `12` is not a reference (a command whose text is words)."""
    first, _, rest = args.strip().partition(" ")
    rest = rest.strip()
    if (mention := _CHANNEL_MENTION.match(first)) is not None:
        return CaseReference(channel_id=mention[1]), rest
    if (named := _CHANNEL_NAME.match(first)) is not None:
        return CaseReference(number=int(named[1])), rest
    number = _CASE_NUMBER.match(first)
    if number is not None and (number[1] or bare_numbers) and int(number[2]) > 0:
        return CaseReference(number=int(number[2])), rest
    return None, args.strip()


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


def with_args(request: SubcommandRequest, args: str) -> SubcommandRequest:
    """The same subcommand with other argument text (a case reference taken off it)."""
    return SubcommandRequest(name=request.name, args=args, words=tuple(args.split()))


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

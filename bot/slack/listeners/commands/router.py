"""Types of the `/swarm` router: the context a subcommand handler gets, its reply, the table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.domain.errors import UsageError
from bot.domain.mrkdwn import escape
from bot.slack.commands import SubcommandRequest


@dataclass(frozen=True)
class CommandContext:
    user_id: str
    channel_id: str
    request: SubcommandRequest
    services: Any
    trigger_id: str | None = None
    response_url: str | None = None
    client: Any = None
    case_id: int | None = None  # the case named by reference (the command ran elsewhere)


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[dict[str, Any]] | None = None
    in_channel: bool = False

    def as_ack(self) -> dict[str, Any]:
        response: dict[str, Any] = {
            "text": self.text, "response_type": "in_channel" if self.in_channel else "ephemeral"}
        if self.blocks:
            response["blocks"] = self.blocks
        return response


Handler = Callable[[CommandContext], Reply]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    handler: Handler
    aliases: tuple[str, ...] = field(default=())
    # acts on one case: run outside its channel, it takes a case reference first
    # (`#12`, `12`, a channel mention); `bare_numbers=False`: not a plain `12` (text follows)
    names_case: bool = False
    bare_numbers: bool = True


class SubcommandTable:
    """The registered subcommands, in help order."""

    def __init__(self) -> None:
        self._ordered: list[Subcommand] = []
        self._by_name: dict[str, Subcommand] = {}

    def add(self, subcommand: Subcommand) -> None:
        self._ordered.append(subcommand)
        for name in (subcommand.name, *subcommand.aliases):
            self._by_name[name] = subcommand

    def find(self, name: str) -> Subcommand:
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(f"`{s.name}`" for s in self._ordered)
            raise UsageError("`{name}` is not a swarmbot command. Try one of: {known} — or "
                             "`/swarm help`.", values={"name": escape(name[:40]),
                                                       "known": known}) from None

    def usages(self) -> list[tuple[str, str, str]]:
        """(name, usage, summary) of each subcommand, in help order."""
        return [(s.name, s.usage, s.summary) for s in self._ordered]

"""`/swarm help`: what the bot can do."""

from __future__ import annotations

from bot.domain.permissions import who
from bot.i18n import _
from bot.slack.blocks import help_blocks
from bot.slack.listeners.commands.router import CommandContext, Reply, Subcommand, SubcommandTable


def add_to(table: SubcommandTable) -> None:
    def handle(__: CommandContext) -> Reply:
        return Reply(text=_("swarmbot help"), blocks=help_blocks(
            (usage, _(summary) if who(name) == "anyone" else f"{_(summary)} — _{who(name)}_")
            for name, usage, summary in table.usages()))

    table.add(Subcommand("help", "help", "show this help", handle))

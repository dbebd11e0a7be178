"""`/swarm similar [words]`: the resolved cases most like this case (or like the words)."""

from __future__ import annotations

from bot.services import knowledge
from bot.slack.listeners.commands.router import CommandContext, Reply, Subcommand, SubcommandTable
from bot.slack.replies import reply


def similar(ctx: CommandContext) -> Reply:
    return Reply(text=reply(knowledge.similar_to(ctx.services, channel_id=ctx.channel_id,
                                                 text=ctx.request.args)))


def add_to(table: SubcommandTable) -> None:
    table.add(Subcommand("similar", "similar [<words>]",
                         "the resolved cases most like this case (or like the words), who "
                         "resolved them and how", similar, aliases=("past", "history"),
                         names_case=True, bare_numbers=False))

"""`/swarm resolve <summary>`, `/swarm reopen`."""

from __future__ import annotations

from bot.services import resolution
from bot.slack.listeners.commands.router import CommandContext, Reply, Subcommand, SubcommandTable
from bot.slack.replies import reply


def resolve(ctx: CommandContext) -> Reply:
    return Reply(text=reply(resolution.resolve_case(ctx.services, channel_id=ctx.channel_id,
                                                    actor=ctx.user_id, summary=ctx.request.args)))


def reopen(ctx: CommandContext) -> Reply:
    if ctx.case_id is not None:
        return Reply(text=reply(resolution.reopen_case(ctx.services, case_id=ctx.case_id,
                                                       actor=ctx.user_id,
                                                       notify_in=ctx.channel_id or None)))
    return Reply(text=reply(resolution.reopen_case(ctx.services, channel_id=ctx.channel_id,
                                                   actor=ctx.user_id)))


def add_to(table: SubcommandTable) -> None:
    table.add(Subcommand("resolve", "resolve <summary>", "close the case with how it was "
                         "solved", resolve, names_case=True))
    table.add(Subcommand("reopen", "reopen", "reopen a resolved case", reopen, names_case=True))

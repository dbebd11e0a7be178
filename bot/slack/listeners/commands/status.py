"""`/swarm status <text>`."""

from __future__ import annotations

from bot.services import status
from bot.slack.listeners.commands.router import CommandContext, Reply, Subcommand, SubcommandTable
from bot.slack.replies import reply


def post_status(ctx: CommandContext) -> Reply:
    return Reply(text=reply(status.post_status(ctx.services, channel_id=ctx.channel_id,
                                               actor=ctx.user_id, text=ctx.request.args)))


def add_to(table: SubcommandTable) -> None:
    table.add(Subcommand("status", "status <text>", "post a status update to the case and "
                         "stakeholders", post_status, aliases=("update",), names_case=True))

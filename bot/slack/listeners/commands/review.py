"""`/swarm review [lesson]`: the post-case review draft and its lessons."""

from __future__ import annotations

from bot.services import review
from bot.slack.listeners.commands.router import CommandContext, Reply, Subcommand, SubcommandTable
from bot.slack.replies import reply


def add_lesson(ctx: CommandContext) -> Reply:
    return Reply(text=reply(review.add_lesson(ctx.services, channel_id=ctx.channel_id,
                                              actor=ctx.user_id, text=ctx.request.args)))


def add_to(table: SubcommandTable) -> None:
    table.add(Subcommand("review", "review [lesson]", "show the case's review draft, or add a "
                         "lesson learned to it", add_lesson, aliases=("lesson",), names_case=True))

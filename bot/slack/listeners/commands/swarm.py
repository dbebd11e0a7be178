"""`/swarm invite @user…`, `/swarm experts [n]`, `/swarm leave`."""

from __future__ import annotations

from bot.domain.errors import InvalidInput
from bot.services import leaving, swarm
from bot.slack.commands import people_named
from bot.slack.listeners.commands.router import CommandContext, Reply, Subcommand, SubcommandTable
from bot.slack.replies import reply


def invite(ctx: CommandContext) -> Reply:
    return Reply(text=reply(swarm.add_people(ctx.services, channel_id=ctx.channel_id,
                                             actor=ctx.user_id,
                                             user_ids=people_named(ctx.request.args))))


def experts(ctx: CommandContext) -> Reply:
    words = ctx.request.words
    if words and not (words[0].isascii() and words[0].isdigit()):  # `²` is a digit too
        raise InvalidInput("`/swarm experts [n]` takes a number, e.g. `/swarm experts 2`.")
    count = int(words[0]) if words else 1
    return Reply(text=reply(swarm.ask_for_more(ctx.services, channel_id=ctx.channel_id,
                                               actor=ctx.user_id, count=count)))


def leave(ctx: CommandContext) -> Reply:
    return Reply(text=reply(leaving.leave_case(ctx.services, channel_id=ctx.channel_id,
                                               actor=ctx.user_id)))


def add_to(table: SubcommandTable) -> None:
    table.add(Subcommand("invite", "invite @user…", "add people to the swarm directly",
                         invite, aliases=("add",), names_case=True))
    table.add(Subcommand("experts", "experts [n]", "invite n more recommended experts",
                         experts, names_case=True))
    table.add(Subcommand("leave", "leave", "leave the swarm and its channel (an owner "
                         "hands the case over first)", leave, names_case=True))

"""`/swarm skills [add|remove <skill>…]`, `/swarm away`, `/swarm back`."""

from __future__ import annotations

from bot.services import expertise
from bot.slack.listeners.commands.router import CommandContext, Reply, Subcommand, SubcommandTable
from bot.slack.replies import reply


def skills(ctx: CommandContext) -> Reply:
    words = ctx.request.words
    action = words[0].lower() if words else ""
    return Reply(text=reply(expertise.change_skills(ctx.services, user_id=ctx.user_id,
                                                    action=action, words=words[1:])))


def away(ctx: CommandContext) -> Reply:
    return Reply(text=reply(expertise.set_away(ctx.services, user_id=ctx.user_id, away=True)))


def back(ctx: CommandContext) -> Reply:
    return Reply(text=reply(expertise.set_away(ctx.services, user_id=ctx.user_id, away=False)))


def add_to(table: SubcommandTable) -> None:
    table.add(Subcommand("skills", "skills [add|remove <skill>…]", "declare what you know",
                         skills))
    table.add(Subcommand("away", "away", "pause swarm invites to you", away))
    table.add(Subcommand("back", "back", "take swarm invites again", back))

"""`/swarm followup <text> [@owner]`, `/swarm followup done <n>`, `/swarm followup` (list)."""

from __future__ import annotations

import re

from bot.domain.errors import InvalidInput, UsageError
from bot.services import followups
from bot.slack.commands import people_named
from bot.slack.listeners.commands.router import CommandContext, Reply, Subcommand, SubcommandTable
from bot.slack.replies import reply

_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_DONE_WORDS = frozenset({"done", "close", "finish"})
_NUMBER = re.compile(r"^f?(\d{1,9})$", re.IGNORECASE)


def followup(ctx: CommandContext) -> Reply:
    args = ctx.request.args.strip()
    if not args:
        return Reply(text=reply(followups.list_followups(ctx.services, channel_id=ctx.channel_id,
                                                         actor=ctx.user_id)))
    first, _, rest = args.partition(" ")
    if first.lower() in _DONE_WORDS:
        number = _NUMBER.match(rest.strip())
        if number is None:
            named = f"no follow-up “{rest.strip()[:40]}”" if rest.strip() else "which one?"
            raise InvalidInput(f"{named[0].upper()}{named[1:]} — give its number, e.g. "
                               "`/swarm followup done 3` (`/swarm followup` lists them).")
        return Reply(text=reply(followups.complete_followup(
            ctx.services, followup_id=int(number[1]), actor=ctx.user_id)))
    owners = people_named(args)
    if len(owners) > 1:
        raise UsageError("Give a follow-up one owner: `/swarm followup <action item> @owner`.")
    return Reply(text=reply(followups.add_followup(
        ctx.services, channel_id=ctx.channel_id, actor=ctx.user_id,
        text=_MENTION.sub("", args), owner=owners[0] if owners else None)))


def add_to(table: SubcommandTable) -> None:
    table.add(Subcommand("followup", "followup [<action item> [@owner] | done <n>]",
                         "record an action item (reminded until done), finish one, or list "
                         "them", followup, aliases=("followups", "todo"), names_case=True))

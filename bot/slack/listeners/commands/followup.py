"""`/swarm followup <text> [@owner]`, `/swarm followup done <n>`, `/swarm followup` (list)."""

from __future__ import annotations

import re

from bot.domain.errors import UsageError
from bot.domain.mrkdwn import escape
from bot.services import followups
from bot.slack.commands import mentioned_users
from bot.slack.listeners.commands.router import CommandContext, Reply, Subcommand, SubcommandTable

_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_DONE = re.compile(r"^(?:done|close|finish)\s+f?(\d+)$", re.IGNORECASE)


def followup(ctx: CommandContext) -> Reply:
    args = ctx.request.args.strip()
    if not args:
        items = followups.list_followups(ctx.services, channel_id=ctx.channel_id)
        if not items:
            return Reply(text="No follow-ups on this case yet: `/swarm followup <action item> "
                              "[@owner]`.")
        lines = [f"{'✅' if i.done_at else '⬜'} F{i.id} <@{i.owner_id}>: {escape(i.text)}"
                 for i in items]
        return Reply(text="\n".join(lines))
    if done := _DONE.match(args):
        return Reply(text=followups.complete_followup(ctx.services, followup_id=int(done[1]),
                                                      actor=ctx.user_id))
    owners = mentioned_users(args)
    if len(owners) > 1:
        raise UsageError("Give a follow-up one owner: `/swarm followup <action item> @owner`.")
    return Reply(text=followups.add_followup(
        ctx.services, channel_id=ctx.channel_id, actor=ctx.user_id,
        text=_MENTION.sub("", args), owner=owners[0] if owners else None))


def add_to(table: SubcommandTable) -> None:
    table.add(Subcommand("followup", "followup [<action item> [@owner] | done <n>]",
                         "record an action item (reminded until done), finish one, or list "
                         "them", followup, aliases=("followups", "todo")))

"""`/swarm escalate`, `deescalate`, `ack`, `approve` — the tiered levels by hand."""

from __future__ import annotations

import re

from bot.services import approvals, escalation
from bot.slack.listeners.commands.router import CommandContext, Reply, Subcommand, SubcommandTable
from bot.slack.replies import reply

# Anything that looks like a level is taken as one (and refused if there is no such level),
# so `/swarm escalate L9` is an error, not an escalation with the reason "L9".
_LEVEL_LIKE = re.compile(r"^(?:l\d+|\d+|exec\w*)$", re.IGNORECASE)


def _level_and_reason(args: str) -> tuple[str | None, str]:
    """`L3 customer is a key account` → ("L3", "customer is a key account"); no level → None."""
    first, _, rest = args.strip().partition(" ")
    if _LEVEL_LIKE.match(first):
        return first, rest.strip()
    return None, args.strip()


def escalate(ctx: CommandContext) -> Reply:
    level, reason = _level_and_reason(ctx.request.args)
    return Reply(text=reply(escalation.escalate(ctx.services, channel_id=ctx.channel_id,
                                                actor=ctx.user_id, level_text=level,
                                                reason=reason)))


def deescalate(ctx: CommandContext) -> Reply:
    level, reason = _level_and_reason(ctx.request.args)
    return Reply(text=reply(escalation.deescalate(ctx.services, channel_id=ctx.channel_id,
                                                  actor=ctx.user_id, level_text=level,
                                                  reason=reason)))


def ack(ctx: CommandContext) -> Reply:
    return Reply(text=reply(escalation.acknowledge(ctx.services, channel_id=ctx.channel_id,
                                                   actor=ctx.user_id)))


def approve(ctx: CommandContext) -> Reply:
    item, _, note = ctx.request.args.partition(" ")
    return Reply(text=reply(approvals.request_approval(ctx.services, channel_id=ctx.channel_id,
                                                       actor=ctx.user_id, item=item, note=note)))


def add_to(table: SubcommandTable) -> None:
    table.add(Subcommand("escalate", "escalate [L2..L4|exec] [reason]", "move a tiered case up "
                         "a level, or straight to the one named", escalate, aliases=("up",),
                         names_case=True))
    table.add(Subcommand("deescalate", "deescalate [level] [reason]", "move a tiered case down",
                         deescalate, aliases=("down",), names_case=True))
    table.add(Subcommand("ack", "ack", "take the case at its current level (stops the response "
                         "SLA)", ack, aliases=("acknowledge",), names_case=True))
    table.add(Subcommand("approve", "approve <what> [why]", "ask the lowest level with the "
                         "authority to approve something", approve, names_case=True))

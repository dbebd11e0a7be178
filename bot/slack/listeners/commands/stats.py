"""`/swarm stats [period]`: how cases went, from the timeline."""

from __future__ import annotations

from bot.domain.metrics import parse_period, summarize, summarize_by
from bot.services.metrics import measures
from bot.slack.blocks import stats_blocks
from bot.slack.listeners.commands.router import CommandContext, Reply, Subcommand, SubcommandTable


def stats(ctx: CommandContext) -> Reply:
    services = ctx.services
    since, label = parse_period(ctx.request.args, services.now())
    found = measures(services, since=since)
    text, blocks = stats_blocks(label=label, overall=summarize(found),
                                by_mode=summarize_by(found, "mode"),
                                by_severity=summarize_by(found, "severity"))
    return Reply(text=text, blocks=blocks)


def add_to(table: SubcommandTable) -> None:
    table.add(Subcommand("stats", "stats [7d|30d|quarter|all]", "how cases went: MTTR, "
                         "acknowledgement, invites, SLA breaches, swarm vs tiered", stats))

"""`/swarm new`, `claim`, `severity`, `owner`, `list`."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.domain.case import parse_declaration
from bot.domain.errors import UsageError
from bot.services import cases, queries
from bot.slack.blocks import case_list, declare_modal
from bot.slack.commands import people_named
from bot.slack.ids import View
from bot.slack.listeners.commands.router import CommandContext, Reply, Subcommand, SubcommandTable
from bot.slack.replies import reply


def new(ctx: CommandContext) -> Reply:
    if not ctx.request.args:
        try:
            ctx.client.views_open(trigger_id=ctx.trigger_id,
                                  view=declare_modal(callback_id=View.DECLARE_CASE,
                                                     private_metadata=ctx.channel_id))
        except (SlackApiError, OSError):  # Slack down, or the trigger expired (3 s)
            return Reply(text=":warning: Slack did not open the form just now; nothing was "
                              "declared. Try again, or declare in one line: `/swarm new "
                              "<title> [sev1..sev4] [service:<name>] [#tags]`.")
        return Reply(text="Opening the form to declare a case…")
    return Reply(text=reply(cases.declare_case(ctx.services, owner_id=ctx.user_id,
                                               draft=parse_declaration(ctx.request.args),
                                               origin_channel=ctx.channel_id or None)))


def claim(ctx: CommandContext) -> Reply:
    if ctx.case_id is not None:
        return Reply(text=reply(cases.claim_case(ctx.services, case_id=ctx.case_id,
                                                 user_id=ctx.user_id)))
    return Reply(text=reply(cases.claim_case(ctx.services, channel_id=ctx.channel_id,
                                             user_id=ctx.user_id)))


def severity(ctx: CommandContext) -> Reply:
    if not ctx.request.words:
        raise UsageError("Give the new severity: `/swarm severity sev2`.")
    return Reply(text=reply(cases.change_severity(ctx.services, channel_id=ctx.channel_id,
                                                  actor=ctx.user_id,
                                                  severity_text=ctx.request.words[0])))


def owner(ctx: CommandContext) -> Reply:
    users = people_named(ctx.request.args)
    if len(users) != 1:
        raise UsageError("Name exactly one new owner: `/swarm owner @dana` (pick them from "
                         "Slack's autocomplete).")
    return Reply(text=reply(cases.hand_over(ctx.services, channel_id=ctx.channel_id,
                                            actor=ctx.user_id, new_owner=users[0])))


def list_cases(ctx: CommandContext) -> Reply:
    lines = queries.open_cases(ctx.services, viewer=ctx.user_id)
    rows = [(c.reference, c.title, c.severity, c.owner_id, c.channel_id) for c in lines]
    return Reply(text=f"{len(rows)} open case(s)", blocks=case_list(rows))


def add_to(table: SubcommandTable) -> None:
    table.add(Subcommand("new", "new <title> [sev1..sev4] [service:<name>] [#tags]",
                         "declare a case; you become its owner (no text opens a form)", new,
                         aliases=("declare",)))
    table.add(Subcommand("claim", "claim", "take ownership of an unowned case (in its channel)",
                         claim, names_case=True))
    table.add(Subcommand("severity", "severity <sev1..sev4>", "change the case's severity",
                         severity, aliases=("sev",), names_case=True))
    table.add(Subcommand("owner", "owner @user", "hand the case over to someone else",
                         owner, names_case=True))
    table.add(Subcommand("list", "list", "open cases", list_cases, aliases=("ls",)))

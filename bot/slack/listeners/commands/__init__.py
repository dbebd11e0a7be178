"""The `/swarm` slash command: one listener that routes subcommands to small handlers.

A handler takes a CommandContext and returns a Reply; the router acks with the reply (an
ephemeral answer unless the reply says otherwise) and turns domain errors into messages
through `bot.slack.errors.user_message` — the one place that does it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App

from bot.domain.errors import Conflict
from bot.services import queries
from bot.slack.commands import parse_command_text, split_case_reference, with_args
from bot.slack.errors import user_message
from bot.slack.ids import Command
from bot.slack.listeners.commands import (
    case,
    escalation,
    expertise,
    followup,
    resolution,
    review,
    similar,
    stats,
    status,
    swarm,
)
from bot.slack.listeners.commands import help as help_command
from bot.slack.listeners.commands.router import CommandContext, Subcommand, SubcommandTable


def build_table() -> SubcommandTable:
    table = SubcommandTable()
    for module in (case, swarm, status, escalation, followup, resolution, review, similar,
                   stats, expertise, help_command):
        module.add_to(table)
    return table


def register(app: App, services: Any) -> None:
    table = build_table()

    @app.command(Command.SWARM)
    def handle_swarm(ack: Ack, command: dict[str, Any], client: Any) -> None:
        try:
            request = parse_command_text(command.get("text"))
            subcommand = table.find(request.name)
            context = CommandContext(
                user_id=command["user_id"], channel_id=command.get("channel_id", ""),
                request=request, services=services, trigger_id=command.get("trigger_id"),
                response_url=command.get("response_url"), client=client)
            reply = subcommand.handler(_case_named(subcommand, context))
        except Exception as error:  # noqa: BLE001 — the one place errors become messages
            ack(response_type="ephemeral", text=user_message(error))
            return
        ack(**reply.as_ack())


def _case_named(subcommand: Subcommand, context: CommandContext) -> CommandContext:
    """A case command run outside a case channel acts on the case its text names first
    (`/swarm reopen 12`, `/swarm status #12 …`, `/swarm review <#C…>`); without a reference
    it runs as typed (and the use case says to run it in a case channel)."""
    if not subcommand.names_case or queries.is_case_channel(context.services,
                                                            context.channel_id):
        return context
    named, rest = split_case_reference(context.request.args,
                                       bare_numbers=subcommand.bare_numbers)
    if named is None:
        return context
    case = queries.locate_case(context.services, number=named.number,
                               channel_id=named.channel_id)
    if case.channel_id is None and subcommand.name not in CASE_ID_COMMANDS:
        raise Conflict(f"Case {case.reference} has no channel yet (it is being opened); "
                       "nothing was changed. Try again in a moment.")
    return replace(context, channel_id=case.channel_id or "", case_id=case.case_id,
                   request=with_args(context.request, rest))


# These act on a case by its id (so also while it has no channel): the rest by its channel.
CASE_ID_COMMANDS = frozenset({"claim", "reopen"})

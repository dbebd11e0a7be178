"""The `/swarm` slash command: one listener that routes subcommands to small handlers.

A handler takes a CommandContext and returns a Reply; the router acks with the reply (an
ephemeral answer unless the reply says otherwise) and turns domain errors into messages
through `bot.slack.errors.user_message` — the one place that does it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.slack.commands import parse_command_text
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
from bot.slack.listeners.commands.router import CommandContext, SubcommandTable


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
            context = CommandContext(
                user_id=command["user_id"], channel_id=command.get("channel_id", ""),
                request=request, services=services, trigger_id=command.get("trigger_id"),
                response_url=command.get("response_url"), client=client)
            reply = table.find(request.name).handler(context)
        except Exception as error:  # noqa: BLE001 — the one place errors become messages
            ack(response_type="ephemeral", text=user_message(error))
            return
        ack(**reply.as_ack())

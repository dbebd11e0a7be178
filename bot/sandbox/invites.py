"""Which DMs are swarm invites, found by the bot's own invite rows (the DM channel and ts it
recorded for each), not by the invite's words — rewording the invite keeps `react` working in
`make run` and `make demo`."""

from __future__ import annotations

from typing import Any

from bot.sandbox.emulator import SlackEmulator
from bot.services.context import ServiceContext


def invite_dms(services: ServiceContext, emulator: SlackEmulator, user: str,
               reference: str | None = None) -> list[dict[str, Any]]:
    """`user`'s swarm invite DMs (of case `reference`, or all), oldest first."""
    with services.uow().reading() as uow:
        sent = [(invite.dm_channel, invite.message_ts) for invite in uow.invites.sent_to(user)
                if reference is None or invite.case.reference == reference]
    messages = {(m["channel"], m["ts"]): m for m in emulator.dm_messages(user)}
    return [messages[key] for key in sent if key in messages]

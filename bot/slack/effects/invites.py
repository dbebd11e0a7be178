"""Swarm invites as DMs: sent, then given the accept/decline reactions (one tap to answer),
then updated when answered or expired."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.privacy import title_for
from bot.domain.states import InviteState
from bot.services import effects
from bot.slack.blocks import invite_message
from bot.slack.effects.support import Executor, open_dm, post_once, slack_error
from bot.slack.ids import Reaction
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork


def _render(uow: UnitOfWork, invite_id: int) -> dict[str, Any] | None:
    invite = uow.invites.get(invite_id)
    if invite is None:
        return None
    case = invite.case
    text, blocks = invite_message(reference=case.reference,
                                  title=title_for(case, invite.expert_id),  # joined: in it
                                  severity=case.severity, owner_id=case.owner_id,
                                  reason=invite.reason, channel_id=case.channel_id,
                                  state=invite.state)
    return {"expert": invite.expert_id, "state": invite.state, "text": text, "blocks": blocks,
            "dm_channel": invite.dm_channel, "ts": invite.message_ts}


class SendInvite(Executor):
    def __init__(self, client: WebClient) -> None:
        super().__init__(client)
        self.dm_channels: dict[str, str] = {}  # user → the bot's DM with them

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        plan = _render(uow, int(message.payload["invite_id"]))
        if plan is None or plan["ts"] or plan["state"] != InviteState.PENDING:
            return None  # already sent, or answered before it went out
        return plan

    def send(self, message: OutboxMessage, plan: dict[str, Any]) -> dict[str, Any]:
        dm = open_dm(self.client, plan["expert"], self.dm_channels)
        posted = post_once(self.client, message, channel=dm, text=plan["text"],
                           blocks=plan["blocks"])
        return {"dm_channel": dm, "ts": posted["ts"]}

    def apply(self, message: OutboxMessage, result: dict[str, Any], uow: UnitOfWork) -> None:
        invite = uow.invites.get(int(message.payload["invite_id"]))
        if invite is not None and result:
            invite.dm_channel, invite.message_ts = result["dm_channel"], result["ts"]
            effects.invite_hints(uow, invite)
            uow.session.flush()  # the ts first: an answer arriving now finds it, or waits
            if uow.early_answers.waiting(invite.dm_channel, invite.message_ts):
                effects.answer_early(uow, invite)


class AnswerEarly:
    """Not a Slack call: runs the answers an expert gave before their invite's ts was
    recorded (`answer(invite_id)` is the use case, in a transaction of its own)."""

    def __init__(self, answer: Callable[[int], None]) -> None:
        self.answer = answer

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> int:
        return int(message.payload["invite_id"])

    def send(self, message: OutboxMessage, invite_id: int) -> dict[str, Any]:
        self.answer(invite_id)
        return {}

    def apply(self, message: OutboxMessage, result: dict[str, Any], uow: UnitOfWork) -> None:
        return None


class InviteHints(Executor):
    """The bot's own accept and decline reactions on the invite: the expert taps one."""

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> tuple[str, str] | None:
        invite = uow.invites.get(int(message.payload["invite_id"]))
        if invite is None or invite.state != InviteState.PENDING or not invite.message_ts:
            return None  # answered or expired meanwhile: nothing to tap any more
        return invite.dm_channel or "", invite.message_ts

    def send(self, message: OutboxMessage, plan: tuple[str, str]) -> dict[str, Any]:
        dm, ts = plan
        for reaction in (Reaction.ACCEPT, Reaction.DECLINE):
            try:
                self.client.reactions_add(channel=dm, timestamp=ts, name=reaction)
            except SlackApiError as error:
                if slack_error(error) in ("message_not_found", "channel_not_found"):
                    break
                if slack_error(error) != "already_reacted":
                    raise
        return {}


class UpdateInvite(Executor):
    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        plan = _render(uow, int(message.payload["invite_id"]))
        if plan is None or not plan["ts"]:
            return None  # never sent: nothing to update
        return plan

    def send(self, message: OutboxMessage, plan: dict[str, Any]) -> dict[str, Any]:
        try:
            self.client.chat_update(channel=plan["dm_channel"], ts=plan["ts"], text=plan["text"],
                                    blocks=plan["blocks"])
        except SlackApiError as error:
            if slack_error(error) not in ("message_not_found", "channel_not_found"):
                raise
        return {}


"""Escalation messages: the hand-off with the case's whole context when it reaches a level,
and approval requests with Approve/Reject buttons (updated once decided)."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError

from bot.slack.blocks import Blocks, approval_request_message, handoff_message, human_duration
from bot.slack.effects.support import (
    Executor, case_channel, case_for, open_dm, post_once, slack_error,
)
from bot.slack.ids import Action
from models.case import Case
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork

TRIED = ("status_update", "acknowledged", "escalated", "deescalated", "sla_breached")


class HandOff(Executor):
    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        case = case_for(uow, message.case_id)
        stint = uow.levels.get(int(message.payload["stint_id"]))
        if case is None or stint is None:
            return None
        events = [e for e in uow.timeline.for_case(case.id) if e.at <= stint.at and e.text]
        timeline = [f"{e.at:%Y-%m-%d %H:%M} UTC — {e.text}" for e in events]
        tried = [f"<@{e.actor}>: {e.text}" if e.actor else e.text
                 for e in events if e.kind == "status_update"]
        policy_line = (f"Case opened {human_duration(stint.at - case.created_at)} before it "
                       "reached you. Answer in the case channel; `/swarm ack` there takes it.")
        text, blocks = handoff_message(
            reference=case.reference, title=case.title, severity=case.severity,
            level=stint.to_level, reason=stint.reason, owner_id=case.owner_id,
            requester_id=case.requester_id, channel_id=case.channel_id, service=case.service,
            description=case.description or "", tried=tried, timeline=timeline,
            sla=policy_line)
        return {"user": message.payload["user"], "text": text, "blocks": blocks}

    def send(self, message: OutboxMessage, plan: dict[str, Any]) -> dict[str, Any]:
        dm = open_dm(self.client, plan["user"])
        posted = post_once(self.client, message, channel=dm, text=plan["text"],
                           blocks=plan["blocks"])
        return {"channel": dm, "ts": posted["ts"]}


def _approval(message: OutboxMessage, uow: UnitOfWork) -> tuple[str, Blocks, Case] | None:
    """The request as it stands: buttons while pending, the decision once made."""
    approval = uow.approvals.get(int(message.payload["approval_id"]))
    case = case_for(uow, message.case_id)
    if approval is None or case is None:
        return None
    text, blocks = approval_request_message(
        reference=case.reference, title=case.title, item=approval.item, note=approval.note,
        level=approval.level, requested_by=approval.requested_by, state=approval.state,
        decided_by=approval.decided_by, approve_action=Action.APPROVE,
        reject_action=Action.REJECT, approval_id=approval.id)
    return text, blocks, case


class ApprovalRequest(Executor):
    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        rendered = _approval(message, uow)
        if rendered is None:
            return None
        text, blocks, case = rendered
        user = message.payload.get("user")
        return {"user": user, "channel": None if user else case_channel(case), "text": text,
                "blocks": blocks}

    def send(self, message: OutboxMessage, plan: dict[str, Any]) -> dict[str, Any]:
        channel = plan["channel"] or open_dm(self.client, plan["user"])
        posted = post_once(self.client, message, channel=channel, text=plan["text"],
                           blocks=plan["blocks"])
        return {"channel": channel, "ts": posted["ts"]}


class UpdateApproval(Executor):
    """Every copy of a decided request (case channel, approvers' DMs) loses its buttons and
    says who decided. A copy not posted yet is rendered decided when it goes out."""

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        rendered = _approval(message, uow)
        copies = [r for r in uow.outbox.delivered(f"approval:{message.payload['approval_id']}:")
                  if r.get("channel") and r.get("ts")]
        if rendered is None or not copies:
            return None
        text, blocks, _ = rendered
        return {"copies": copies, "text": text, "blocks": blocks}

    def send(self, message: OutboxMessage, plan: dict[str, Any]) -> dict[str, Any]:
        for copy in plan["copies"]:
            try:
                self.client.chat_update(channel=copy["channel"], ts=copy["ts"],
                                        text=plan["text"], blocks=plan["blocks"])
            except SlackApiError as error:
                if slack_error(error) not in ("message_not_found", "channel_not_found"):
                    raise
        return {}

"""Escalation messages: the hand-off with the case's whole context when it reaches a level,
and approval requests with Approve/Reject buttons (updated once decided)."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError

from bot.domain.privacy import IN_THE_CASE, PRIVATE_TITLE, text_for, title_for, visible_to
from bot.domain.states import TimelineKind
from bot.domain.timeline import describe
from bot.i18n import _
from bot.slack.blocks import Blocks, approval_request_message, handoff_message, human_duration
from bot.slack.effects.support import (
    Executor,
    case_channel,
    case_for,
    open_dm,
    post_once,
    slack_error,
)
from bot.slack.ids import Action
from models.case import Case
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork

TRIED = (TimelineKind.STATUS_UPDATE, TimelineKind.ACKNOWLEDGED, TimelineKind.ESCALATED,
         TimelineKind.DEESCALATED, TimelineKind.SLA_BREACHED)


class HandOff(Executor):
    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        case = case_for(uow, message.case_id)
        stint = uow.levels.get(int(message.payload["stint_id"]))
        if case is None or stint is None:
            return None
        user = message.payload["user"]
        if not visible_to(case, user):  # not (or no longer) in the private case
            text, blocks = handoff_message(
                reference=case.reference, title=PRIVATE_TITLE, severity=case.severity,
                level=stint.to_level, reason="", owner_id=case.owner_id,
                requester_id=case.requester_id, channel_id=case.channel_id, service="",
                description="", tried=[], timeline=[],
                sla="Its context is in the case channel.")
            return {"user": user, "text": text, "blocks": blocks}
        events = [e for e in uow.timeline.for_case(case.id)
                  if e.at <= stint.at and describe(e, translate=_)]
        timeline = [f"{e.at:%Y-%m-%d %H:%M} UTC — {describe(e, translate=_)}" for e in events]
        tried = [f"<@{e.actor}>: {e.text}" if e.actor else e.text
                 for e in events if e.kind == TimelineKind.STATUS_UPDATE]
        policy_line = (f"Case opened {human_duration(stint.at - case.created_at)} before it "
                       "reached you. Answer in the case channel; `/swarm ack` there takes it.")
        text, blocks = handoff_message(
            reference=case.reference, title=case.title, severity=case.severity,
            level=stint.to_level,
            reason=stint.reason or (f"asked by <@{stint.actor}>" if stint.actor else ""),
            owner_id=case.owner_id,
            requester_id=case.requester_id, channel_id=case.channel_id, service=case.service,
            description=case.description or "", tried=tried, timeline=timeline,
            sla=policy_line)
        return {"user": user, "text": text, "blocks": blocks}

    def send(self, message: OutboxMessage, plan: dict[str, Any]) -> dict[str, Any]:
        dm = open_dm(self.client, plan["user"])
        posted = post_once(self.client, message, channel=dm, text=plan["text"],
                           blocks=plan["blocks"])
        return {"channel": dm, "ts": posted["ts"]}


def _approval(message: OutboxMessage, uow: UnitOfWork, viewer: str | None
              ) -> tuple[str, Blocks, Case] | None:
    """The request as it stands, as `viewer` may read it (an approver outside a private case
    sees neither its title nor the note): buttons while pending, the decision once made."""
    approval = uow.approvals.get(int(message.payload["approval_id"]))
    case = case_for(uow, message.case_id)
    if approval is None or case is None:
        return None
    text, blocks = approval_request_message(
        reference=case.reference, title=title_for(case, viewer), item=approval.item,
        note=text_for(case, viewer, approval.note),
        level=approval.level, requested_by=approval.requested_by, state=approval.state,
        decided_by=approval.decided_by, approve_action=Action.APPROVE,
        reject_action=Action.REJECT, approval_id=approval.id)
    return text, blocks, case


class ApprovalRequest(Executor):
    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        user = message.payload.get("user")
        rendered = _approval(message, uow, user or IN_THE_CASE)
        if rendered is None:
            return None
        text, blocks, case = rendered
        return {"user": user, "channel": None if user else case_channel(case), "text": text,
                "blocks": blocks}

    def send(self, message: OutboxMessage, plan: dict[str, Any]) -> dict[str, Any]:
        channel = plan["channel"] or open_dm(self.client, plan["user"])
        posted = post_once(self.client, message, channel=channel, text=plan["text"],
                           blocks=plan["blocks"])
        return {"channel": channel, "ts": posted["ts"], "user": plan["user"]}


class UpdateApproval(Executor):
    """Every copy of a decided request (case channel, approvers' DMs) loses its buttons and
    says who decided, each as its reader may read it. A copy not posted yet is rendered
    decided when it goes out."""

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        case = case_for(uow, message.case_id)
        copies = []
        for copy in uow.outbox.delivered(f"approval:{message.payload['approval_id']}:"):
            if not (copy.get("channel") and copy.get("ts")):
                continue
            in_case = case is not None and copy["channel"] == case.channel_id
            # a DM copy delivered before copies named their reader: an outsider's, to be safe
            rendered = _approval(message, uow, IN_THE_CASE if in_case else copy.get("user"))
            if rendered is None:
                return None
            copies.append({"channel": copy["channel"], "ts": copy["ts"], "text": rendered[0],
                           "blocks": rendered[1]})
        if not copies:
            return None
        return {"copies": copies}

    def send(self, message: OutboxMessage, plan: dict[str, Any]) -> dict[str, Any]:
        for copy in plan["copies"]:
            try:
                self.client.chat_update(channel=copy["channel"], ts=copy["ts"],
                                        text=copy["text"], blocks=copy["blocks"])
            except SlackApiError as error:
                if slack_error(error) not in ("message_not_found", "channel_not_found"):
                    raise
        return {}

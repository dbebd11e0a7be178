"""The authority matrix at work: an approval request goes to the lowest level allowed to
approve it, and only someone at a level with that authority can decide it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.policy import rank
from bot.domain.states import ApprovalState, TimelineKind
from bot.i18n import N_
from bot.services import effects
from bot.services.context import ServiceContext
from bot.services.effects import NoteKind
from bot.services.guards import case_in_channel, require, require_open
from bot.services.responders import levels_of, responder_ids
from models.case import Approval
from models.repositories import with_case_locked
from models.uow import UnitOfWork

MAX_NOTE = 500


# -- what the commands tell the person who ran them (rendered in bot/slack/replies.py) ------
@dataclass(frozen=True)
class ApprovalRequested:
    item: str
    level: str
    sent_to: tuple[str, ...]  # the approvers asked by direct message


@dataclass(frozen=True)
class ApprovalDecided:
    reference: str
    item: str
    approved: bool


def request_approval(ctx: ServiceContext, *, channel_id: str, actor: str, item: str,
                     note: str) -> ApprovalRequested:
    item, note = item.strip().lower(), " ".join(note.split())
    if not item:
        known = ", ".join(f"`{i}`" for i in ctx.policy.authority_items)
        raise InvalidInput("Say what needs approving: `/swarm approve <what> [why]`, "
                           "where <what> is one of {known}.", values={"known": known})
    if len(note) > MAX_NOTE:
        raise InvalidInput("Keep the note under {limit} characters.", values={"limit": MAX_NOTE})
    level = ctx.policy.approver_for(item)
    with ctx.uow() as uow:
        case = case_in_channel(uow, channel_id)
        require_open(case)
        require(ctx, uow, case, actor, "approve", N_("ask for approvals on it"))
        approval = uow.approvals.add(Approval(case_id=case.id, item=item, note=note,
                                              level=level, requested_by=actor,
                                              created_at=ctx.now()))
        uow.timeline.record(
            case.id,
            TimelineKind.APPROVAL_REQUESTED,
            actor=actor,
            at=ctx.now(),
            approval=approval.id,
            item=item,
            level=level,
            note=note or "",
        )
        effects.approval_request(uow, case, approval_id=approval.id)
        approvers = [u for u in responder_ids(uow, ctx.policy, level) if u != actor]
        for user in approvers:
            effects.approval_request(uow, case, approval_id=approval.id, user=user)
        uow.commit()
        return ApprovalRequested(item, level, tuple(approvers))


def decide_approval(ctx: ServiceContext, *, approval_id: int, actor: str, approve: bool
                    ) -> ApprovalDecided:
    with ctx.uow() as uow:
        # of two decisions at once, the second sees the first
        found = with_case_locked(uow.cases, uow.approvals, approval_id)
        if found is None:
            raise NotFound("That approval request no longer exists.")
        case, approval = found
        if approval.state != ApprovalState.PENDING:
            values = {"item": approval.item, "reference": case.reference}
            decided = {"by": approval.decided_by or ""}
            if approval.state == ApprovalState.APPROVED:
                raise Conflict("`{item}` on case {reference} was already approved by {by}.",
                               values=values, people=decided)
            raise Conflict("`{item}` on case {reference} was already rejected by {by}.",
                           values=values, people=decided)
        require(ctx, uow, case, actor, "approval decide", N_("decide `{item}`"),
                approval=approval, detail=N_(" {approver_level} can decide it."),
                values={"item": approval.item, "approver_level": approval.level})
        level = _deciding_level(uow, ctx, actor)
        assert level is not None  # an approver or an admin: the table said so
        ctx.policy.require_authority(level, approval.item)
        approval.state = ApprovalState.APPROVED if approve else ApprovalState.REJECTED
        approval.decided_by, approval.decided_at = actor, ctx.now()
        uow.timeline.record(
            case.id,
            TimelineKind.APPROVAL_APPROVED if approve else TimelineKind.APPROVAL_REJECTED,
            actor=actor,
            at=ctx.now(),
            approval=approval.id,
            item=approval.item,
            level=level,
        )
        effects.approval_decided(uow, case, approval_id=approval.id)
        effects.post(uow, case=case, key=f"approval_decided:{approval.id}",
                     note=NoteKind.APPROVAL_DECIDED, item=approval.item, approved=approve,
                     actor=actor, level=level, requested_by=approval.requested_by)
        uow.commit()
        return ApprovalDecided(case.reference, approval.item, approve)


def _deciding_level(uow: UnitOfWork, ctx: ServiceContext, actor: str) -> str | None:
    """The highest level `actor` responds at; admins decide with Executive authority."""
    if actor in ctx.settings.admin_ids:
        return ctx.policy.ordered[-1]
    mine = levels_of(uow, ctx.policy, actor)
    return max(mine, key=rank) if mine else None

"""Lookups and permission checks shared by use cases; each failure is a typed domain error.
Who may do what is `bot.domain.permissions.RULES`; `require` is how every use case asks it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain import permissions
from bot.domain.errors import Conflict, NotAllowed, NotFound
from bot.domain.permissions import Role
from bot.domain.states import CaseMode, CaseStatus
from bot.services.responders import at_or_above, levels_of, may_respond, responder_ids
from models.case import Approval, Case, FollowUp
from models.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.services.context import ServiceContext


def case_in_channel(uow: UnitOfWork, channel_id: str) -> Case:
    case = uow.cases.by_channel(channel_id, for_update=True)
    if case is None:
        raise NotFound("Run this in a case channel (the `swarm-…` channel of a case), or name the "
                       "case first: `/swarm reopen 12`, `/swarm status #12 …`; "
                       "`/swarm list` shows the open cases.")
    return case


def case_by_id(uow: UnitOfWork, case_id: int) -> Case:
    case = uow.cases.get(case_id, for_update=True)
    if case is None:
        raise NotFound("There is no case {reference}.", values={"reference": f"#{case_id:04d}"})
    return case


def roles_of(ctx: ServiceContext, uow: UnitOfWork, case: Case | None, actor: str, *,
             followup: FollowUp | None = None, approval: Approval | None = None) -> set[Role]:
    """Everything `actor` is to `case` (and to the follow-up or approval acted on) now."""
    roles: set[Role] = {Role.ADMIN} if actor in ctx.settings.admin_ids else set()
    if case is not None:
        if actor == case.owner_id:
            roles.add(Role.OWNER)
        if actor == case.requester_id:
            roles.add(Role.REQUESTER)
        for participant in case.participants:
            if participant.user_id == actor:
                roles.add(Role.PARTICIPANT if participant.left_at is None
                          else Role.PAST_PARTICIPANT)
        if case.mode == CaseMode.TIERED and case.level and case.status != CaseStatus.RESOLVED:
            if actor in responder_ids(uow, ctx.policy, case.level):
                roles.add(Role.RESPONDER)
            if at_or_above(uow, ctx.policy, actor, case.level):
                roles.add(Role.RESPONDER_OR_ABOVE)
            elif may_respond(uow, ctx.policy, actor, case.level):  # the level names no one
                roles.add(Role.UNCHECKED_LEVEL)  # the bot can check (a group not read yet)
    if followup is not None:
        if actor == followup.owner_id:
            roles.add(Role.ITEM_OWNER)
        if actor == followup.created_by:
            roles.add(Role.ITEM_AUTHOR)
    if approval is not None:
        if levels_of(uow, ctx.policy, actor):
            roles.add(Role.APPROVER)
        if actor == approval.requested_by:
            roles.add(Role.APPROVAL_REQUESTER)
    return roles


def require(ctx: ServiceContext, uow: UnitOfWork, case: Case | None, actor: str, action: str,
            verb: str, *, followup: FollowUp | None = None, approval: Approval | None = None,
            detail: str = "") -> set[Role]:
    """Refuse (NotAllowed) unless `actor` may do `action` on `case`, by the table; returns the
    roles they act in; `verb` ends the refusal ("Only the case owner … can <verb>.")."""
    rule = permissions.rule(action)
    if rule.open_to_anyone:
        return set()
    if rule is permissions.OWNER_ONLY and case is not None and case.owner_id is None:
        raise Conflict("Case {reference} has no owner yet; claim it first with `/swarm claim`.",
                       values={"reference": case.reference})
    roles = roles_of(ctx, uow, case, actor, followup=followup, approval=approval)
    if (refused := rule.refusal(roles)) is not None:
        raise NotAllowed(refused)
    if not rule.allows(roles):
        raise permissions.refusal(
            action, verb, owner=case.owner_id if case else None,
            level=case.level if case else None,
            requester=case.requester_id if case else None,
            item_owner=followup.owner_id if followup else None, detail=detail)
    return roles


def require_open(case: Case) -> None:
    if case.status == CaseStatus.RESOLVED:
        raise Conflict("Case {reference} is resolved; `/swarm reopen` it first.",
                       values={"reference": case.reference})

"""Closing the loop: resolve (owner only), confirm, reopen, archive after a grace period —
and the resolution goes into the history the recommender learns from."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.errors import Conflict, InvalidInput, NotAllowed
from bot.services import effects, workflows
from bot.services.cases import schedule_status_reminder
from bot.services.context import ServiceContext
from bot.services.escalation import restart_level
from bot.services.followups import REMINDER as FOLLOWUP_REMINDER
from bot.services.guards import case_by_id, case_in_channel, require, require_open
from models.case import Case
from models.expertise import ResolutionRecord
from models.uow import UnitOfWork

MAX_SUMMARY = 3000


def resolvers_of(case: Case) -> list[str]:
    """The owner first (main resolver), then the experts who joined, in joining order."""
    people = [case.owner_id] if case.owner_id else []
    for participant in sorted(case.participants, key=lambda p: p.joined_at):
        if participant.user_id not in people and participant.role in ("expert", "responder", "owner"):
            people.append(participant.user_id)
    return people


def resolve_case(ctx: ServiceContext, *, channel_id: str, actor: str, summary: str) -> str:
    summary = summary.strip()
    if not summary:
        raise InvalidInput("Say how it was resolved: `/swarm resolve <summary>` — the next "
                           "person with a similar case will read it.")
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(f"Keep the summary under {MAX_SUMMARY} characters.")
    with ctx.uow() as uow:
        case = case_in_channel(uow, channel_id)
        require_open(case)
        require(ctx, uow, case, actor, "resolve", "resolve the case")
        case.status, case.resolved_at, case.resolution_summary = "resolved", ctx.now(), summary
        for invite in case.invites:
            if invite.state in ("pending", "held"):
                invite.state, invite.answered_at = "cancelled", ctx.now()
                effects.update_invite(uow, invite)
        uow.timers.cancel_for_case(case.id, keep=[FOLLOWUP_REMINDER])  # follow-ups go on
        uow.timeline.record(case.id, "resolved", summary, actor=actor, at=ctx.now())
        _record_history(ctx, uow, case)
        grace = timedelta(minutes=ctx.settings.archive_grace_minutes)
        uow.timers.schedule(f"archive:{case.id}:{ctx.now().isoformat()}", "archive_channel",
                            ctx.now() + grace, case_id=case.id)
        effects.case_changed(uow, case)
        effects.post_resolution(uow, case)
        effects.post_review(uow, case)
        workflows.on_trigger(ctx, uow, case, "resolved", actor=actor)
        uow.commit()
        return f"Case {case.reference} is resolved. The channel is archived in {grace}."


def confirm_resolution(ctx: ServiceContext, *, case_id: int, user_id: str) -> str:
    with ctx.uow() as uow:
        case = case_by_id(uow, case_id)
        if case.status != "resolved":
            raise Conflict(f"Case {case.reference} is not resolved.")
        if user_id not in {case.requester_id, case.owner_id}:
            raise NotAllowed("Only the requester or the owner confirms the resolution.")
        uow.timeline.record(case.id, "resolution_confirmed", f"<@{user_id}> confirmed",
                            actor=user_id, at=ctx.now())
        uow.commit()
        return f"Thanks — case {case.reference} is confirmed resolved."


def reopen_case(ctx: ServiceContext, *, channel_id: str | None = None, case_id: int | None = None,
                actor: str) -> str:
    with ctx.uow() as uow:
        case = case_in_channel(uow, channel_id) if channel_id else case_by_id(uow, case_id or 0)
        if case.status != "resolved":
            raise Conflict(f"Case {case.reference} is open already.")
        require(ctx, uow, case, actor, "reopen", "reopen it")
        case.status, case.resolved_at = "open", None
        uow.timers.cancel_for_case(case.id, kinds=["archive_channel"])
        uow.history.remove(f"swarmbot-{case.id}")
        if case.archived_at is not None:
            case.archived_at = None
            effects.unarchive_channel(uow, case)
        uow.timeline.record(case.id, "reopened", f"Reopened by <@{actor}>", actor=actor,
                            at=ctx.now())
        schedule_status_reminder(ctx, uow, case)
        restart_level(ctx, uow, case, actor=actor, reason="case reopened")
        effects.case_changed(uow, case, members=True)
        effects.post(uow, case=case, text=f":leftwards_arrow_with_hook: <@{actor}> reopened "
                                           f"case {case.reference}.")
        uow.commit()
        return f"Case {case.reference} is open again."


def archive_after_grace(ctx: ServiceContext, uow: UnitOfWork, case_id: int) -> None:
    """Timer: archive the channel of a case that is still resolved."""
    case = uow.cases.get(case_id, for_update=True)
    if case is None or case.status != "resolved" or case.archived_at is not None:
        return
    case.archived_at = ctx.now()
    uow.timeline.record(case.id, "archived", "Channel archived", at=ctx.now())
    effects.archive_channel(uow, case)


def _record_history(ctx: ServiceContext, uow: UnitOfWork, case: Case) -> None:
    uow.history.remove(f"swarmbot-{case.id}")
    uow.history.add_all([ResolutionRecord(
        history_id=f"swarmbot-{case.id}", origin="swarmbot", title=case.title,
        description=case.description or "", service=case.service or "", severity=case.severity,
        tags=list(case.tags or []), created_at=case.created_at, resolved_at=case.resolved_at,
        owner=case.owner_id or "", resolvers=resolvers_of(case),
        summary=case.resolution_summary or "")])

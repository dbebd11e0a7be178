"""Closing the loop: resolve (owner only), confirm, reopen, archive after a grace period —
and the resolution goes into the history the recommender learns from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.errors import Conflict, InvalidInput
from bot.domain.states import CaseStatus, TimelineKind
from bot.services import effects, intake, workflows
from bot.services.cases import schedule_status_reminder
from bot.services.context import ServiceContext
from bot.services.effects import NoteKind
from bot.services.escalation import restart_level
from bot.services.guards import case_by_id, case_in_channel, require, require_open
from bot.services.swarm import withdraw_invites
from models.case import Case, TimelineEvent
from models.expertise import SWARMBOT_ORIGIN, ResolutionRecord
from models.scheduling import TimerKind
from models.uow import UnitOfWork

MAX_SUMMARY = 3000


# What counts as working on a case (the history credits only these people as its resolvers,
# and the recommender learns from it): posting a status update, joining the swarm (accepting
# an invite, or being added by the owner), taking it (claim, `/swarm ack`) and resolving it.
# Being pulled in by the bot (a level's responders, a workflow) or breaching an SLA is not.
WORK = frozenset({TimelineKind.STATUS_UPDATE, TimelineKind.INVITE_ACCEPTED, TimelineKind.ADDED,
                  TimelineKind.CLAIMED, TimelineKind.ACKNOWLEDGED, TimelineKind.RESOLVED})


def resolvers_of(case: Case, events: Iterable[TimelineEvent]) -> list[str]:
    """Who worked on the case: whoever resolved it last first (the main resolver), then the
    others in the order they first did something."""
    people: list[str] = []
    resolved_by = None
    for event in sorted(events, key=lambda e: (e.at, e.seq)):
        if event.kind not in WORK:
            continue
        who = event.data.get("user") if event.kind == TimelineKind.ADDED else event.actor
        if not who:
            continue
        if event.kind == TimelineKind.RESOLVED:
            resolved_by = who
        if who not in people:
            people.append(who)
    if resolved_by is not None:
        people.remove(resolved_by)
        people.insert(0, resolved_by)
    return people


# -- what the commands tell the person who ran them (rendered in bot/slack/replies.py) ------
@dataclass(frozen=True)
class CaseResolved:
    reference: str
    grace: timedelta  # the channel is archived this long after (the confirmation)
    confirm_from: str | None  # who is asked to confirm; None: nobody is


@dataclass(frozen=True)
class ResolutionConfirmed:
    reference: str
    already_by: str | None = None  # confirmed before this click, by them


@dataclass(frozen=True)
class CaseReopened:
    reference: str
    # its channel had been archived: Slack does not let a bot unarchive one
    # (https://api.slack.com/methods/conversations.unarchive, "Bug alert"), so the case goes
    # on in a new channel; the archived one stays readable
    new_channel: bool = False
    archived_channel: str | None = None


def resolve_case(ctx: ServiceContext, *, channel_id: str, actor: str, summary: str
                 ) -> CaseResolved:
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
        case.status, case.resolved_at, case.resolution_summary = (CaseStatus.RESOLVED, ctx.now(),
                                                                  summary)
        case.confirmed_at = case.confirmed_by = case.resolution_ts = None  # a new message
        withdraw_invites(ctx, uow, case)
        uow.timers.cancel_for_case(case.id, keep=[TimerKind.FOLLOWUP_REMINDER])  # follow-ups go on
        uow.timeline.record(case.id, TimelineKind.RESOLVED, summary, actor=actor, at=ctx.now())
        _record_history(ctx, uow, case)
        grace = timedelta(minutes=ctx.settings.archive_grace_minutes)
        uow.timers.schedule(f"archive:{case.id}:{ctx.now().isoformat()}", TimerKind.ARCHIVE_CHANNEL,
                            ctx.now() + grace, case_id=case.id)
        effects.case_changed(uow, case)
        effects.post_resolution(uow, case)
        effects.post_review(uow, case)
        intake.answer_resolution(uow, case)
        workflows.on_trigger(ctx, uow, case, "resolved", actor=actor)
        uow.commit()
        return CaseResolved(case.reference, grace,
                            case.requester_id if case.asks_confirmation else None)


def confirm_resolution(ctx: ServiceContext, *, case_id: int, user_id: str
                       ) -> ResolutionConfirmed:
    """The requester confirms the fix, once however often (or at the same time) they click:
    the case row is locked and the confirmation is a conditional update."""
    with ctx.uow() as uow:
        case = case_by_id(uow, case_id)
        if case.status != CaseStatus.RESOLVED:
            raise Conflict(f"Case {case.reference} is not resolved.")
        if not case.asks_confirmation:
            raise Conflict(f"Case {case.reference} was resolved by the person it is for; "
                           "there is nothing to confirm.")
        require(ctx, uow, case, user_id, "resolution confirm", "confirm the resolution")
        if not uow.cases.confirm(case.id, user_id, ctx.now()):
            return ResolutionConfirmed(case.reference, already_by=case.confirmed_by)
        uow.timeline.record(case.id, TimelineKind.RESOLUTION_CONFIRMED, actor=user_id, at=ctx.now())
        effects.refresh_resolution(uow, case)  # its buttons go
        grace = timedelta(minutes=ctx.settings.archive_grace_minutes)
        uow.timers.cancel_for_case(case.id, kinds=[TimerKind.ARCHIVE_CHANNEL])
        due = max(ctx.now(), (case.resolved_at or ctx.now()) + grace)  # archive held: now
        uow.timers.schedule(f"archive:{case.id}:{due.isoformat()}:confirmed",
                            TimerKind.ARCHIVE_CHANNEL,
                            due, case_id=case.id)
        uow.commit()
        return ResolutionConfirmed(case.reference)


def reopen_case(ctx: ServiceContext, *, channel_id: str | None = None, case_id: int | None = None,
                actor: str, notify_in: str | None = None) -> CaseReopened:
    with ctx.uow() as uow:
        case = case_in_channel(uow, channel_id) if channel_id else case_by_id(uow, case_id or 0)
        if case.status != CaseStatus.RESOLVED:
            raise Conflict(f"Case {case.reference} is open already.")
        require(ctx, uow, case, actor, "reopen", "reopen it")
        case.status, case.resolved_at = CaseStatus.OPEN, None
        case.confirmed_at = case.confirmed_by = None
        uow.timers.cancel_for_case(case.id, kinds=[TimerKind.ARCHIVE_CHANNEL])
        uow.history.remove(f"swarmbot-{case.id}")
        archived_channel = case.channel_id if case.archived_at is not None else None
        if case.archived_at is not None:
            case.archived_at = None
            case.channel_id = case.channel_name = None  # a new one: what follows waits for it
            effects.create_channel(uow, case, notify_in=notify_in, again=True)
        uow.timeline.record(case.id, TimelineKind.REOPENED, actor=actor, at=ctx.now())
        schedule_status_reminder(ctx, uow, case)
        restart_level(ctx, uow, case, actor=actor, reason="case reopened")
        effects.case_changed(uow, case, members=True)
        effects.post(uow, case=case, note=NoteKind.REOPENED, actor=actor, reference=case.reference)
        uow.commit()
        return CaseReopened(case.reference, new_channel=archived_channel is not None,
                            archived_channel=archived_channel)


def archive_after_grace(ctx: ServiceContext, uow: UnitOfWork, case_id: int, *,
                        reminded: bool = False) -> None:
    """Timer: archive the channel of a case that is still resolved. While the requester has
    not confirmed, the archive waits: they are reminded once, and a grace period later the
    channel is archived anyway, with a note."""
    case = uow.cases.get(case_id, for_update=True)
    if case is None or case.status != CaseStatus.RESOLVED or case.archived_at is not None:
        return
    grace = timedelta(minutes=ctx.settings.archive_grace_minutes)
    if case.confirmation_pending and not reminded:
        uow.timeline.record(case.id, TimelineKind.CONFIRMATION_REMINDED, at=ctx.now(),
                            requester=case.requester_id)
        effects.post(uow, case=case, key=f"confirm_reminder:{case.id}:{case.resolved_at}",
                     note=NoteKind.CONFIRM_REMINDER, requester=case.requester_id,
                     reference=case.reference, grace=grace.total_seconds())
        due = ctx.now() + grace
        uow.timers.schedule(f"archive:{case.id}:{due.isoformat()}:reminded",
                            TimerKind.ARCHIVE_CHANNEL,
                            due, case_id=case.id, reminded=True)
        return
    if case.confirmation_pending:
        effects.post(uow, case=case, note=NoteKind.ARCHIVED_UNCONFIRMED,
                     requester=case.requester_id)
        effects.refresh_resolution(uow, case)
    case.archived_at = ctx.now()
    uow.timeline.record(case.id, TimelineKind.ARCHIVED,
                        "Channel archived" if not case.confirmation_pending
                        else "Channel archived without confirmation", at=ctx.now())
    effects.archive_channel(uow, case)


def _record_history(ctx: ServiceContext, uow: UnitOfWork, case: Case) -> None:
    uow.history.remove(f"swarmbot-{case.id}")
    uow.history.add_all([ResolutionRecord(
        history_id=f"swarmbot-{case.id}", origin=SWARMBOT_ORIGIN, title=case.title,
        description=case.description or "", service=case.service or "", severity=case.severity,
        tags=list(case.tags or []), created_at=case.created_at, resolved_at=case.resolved_at,
        owner=case.owner_id or "", resolvers=resolvers_of(case, uow.timeline.for_case(case.id)),
        summary=case.resolution_summary or "")])

"""Tiered escalation: where a low-severity case sits (L1 … Executive), who must answer there
and by when, and every move between levels — by time, priority, complexity or by hand.

Each stay at a level is a LevelChange row (a "stint"); its SLA timers carry the stint's id,
so a timer left over from an earlier stint does nothing. Every move is on the timeline with
its trigger and reason, and whoever the case reaches gets its whole context in one message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.durations import sla_length
from bot.domain.errors import Conflict, InvalidInput
from bot.domain.policy import Policy, rank
from bot.domain.states import CaseMode, CaseStatus, EscalationTrigger, ParticipantRole, TimelineKind
from bot.i18n import N_
from bot.services import effects, workflows
from bot.services.context import ServiceContext
from bot.services.effects import NoteKind
from bot.services.guards import case_in_channel, require, require_open
from bot.services.participants import add_participant
from bot.services.responders import responder_ids
from models.case import Case, LevelChange
from models.scheduling import Timer, TimerKind
from models.uow import UnitOfWork

MAX_REASON = 300


# -- what the commands tell the person who ran them (rendered in bot/slack/replies.py) ------
@dataclass(frozen=True)
class LevelMoved:
    reference: str
    previous: str
    level: str
    up: bool  # escalated; False: moved down


@dataclass(frozen=True)
class Acknowledged:
    reference: str
    level: str


@dataclass(frozen=True)
class AlreadyAcknowledged:
    reference: str
    level: str
    by: str | None


# -- entering and moving ------------------------------------------------------------------
def enter_tiered(ctx: ServiceContext, uow: UnitOfWork, case: Case, *, actor: str | None = None,
                 reason: str | None = None, needs_help: float | None = None) -> None:
    """The case starts its tiered life (declared low-severity, or lowered from a swarm): at the
    severity's level, or higher when a complexity rule (or the forecast that it needs more
    than one person, `needs_help`) says so."""
    entry = ctx.policy.entry(severity=case.severity, service=case.service,
                             tags=tuple(case.tags or ()),
                             text=f"{case.title}\n{case.description or ''}",
                             needs_help=needs_help)
    as_entered = reason is None or entry.trigger == EscalationTrigger.COMPLEXITY
    move(ctx, uow, case, entry.level,
         trigger=entry.trigger if as_entered else EscalationTrigger.PRIORITY,
         reason=entry.reason if as_entered or reason is None else reason,
         actor=actor, bypassed=entry.bypassed)


def move(ctx: ServiceContext, uow: UnitOfWork, case: Case, level: str, *,
         trigger: EscalationTrigger,
         reason: str, actor: str | None = None, bypassed: Iterable[str] = (),
         from_workflow: bool = False) -> LevelChange:
    """Put the case at `level`: record the stint, restart the SLA clocks, bring the level's
    responders in and hand them the case."""
    previous, now = case.level if case.mode == CaseMode.TIERED else None, ctx.now()
    case.mode, case.level = CaseMode.TIERED, level
    stint = uow.levels.add(LevelChange(case_id=case.id, from_level=previous, to_level=level,
                                       trigger=trigger, reason=reason, actor=actor, at=now))
    skipped = list(bypassed)
    kind = _direction(previous, level)
    uow.timeline.record(case.id, kind, actor=actor, at=now, trigger=trigger, reason=reason,
                        level=level, previous=previous, bypassed=skipped)
    uow.timers.cancel_for_case(case.id, kinds=[TimerKind.SLA])
    responders = responder_ids(uow, ctx.policy, level)
    if actor is not None and actor in responders:
        stint.acknowledged_at, stint.acknowledged_by = now, actor
    _schedule_sla(ctx, uow, case, stint)
    for user in responders:
        add_participant(case, user, ParticipantRole.RESPONDER, ctx.now())
    named_groups = [g for g in ctx.policy.level(level).responders if g.startswith("S")]
    for group in set(named_groups) - set(uow.groups.members(named_groups)):
        effects.sync_user_group(uow, group)  # not read yet (the clock reads them at start)
    spec = ctx.policy.level(level)
    effects.post(uow, case=case, key=f"level:{stint.id}", note=NoteKind.LEVEL_MOVED, direction=kind,
                 previous=previous, level=level, trigger=trigger, reason=reason, actor=actor,
                 bypassed=skipped, responders=list(responders), groups=named_groups,
                 response=spec.response.total_seconds(),
                 resolution=spec.resolution.total_seconds(),
                 acknowledged_by=stint.acknowledged_by)
    for user in responders:
        if user != actor:
            effects.hand_off(uow, case, stint_id=stint.id, user=user)
    effects.case_changed(uow, case, members=bool(responders))
    if kind == TimelineKind.ESCALATED and not from_workflow:  # a workflow's runs no more
        workflows.on_trigger(ctx, uow, case, "escalated", actor=actor)
    return stint


def leave_tiered(ctx: ServiceContext, uow: UnitOfWork, case: Case, *, reason: str,
                 actor: str | None) -> None:
    """The case becomes a swarm: SLA clocks stop; its level history stays."""
    if case.level is not None:
        uow.levels.add(LevelChange(case_id=case.id, from_level=case.level, to_level="swarm",
                                   trigger=EscalationTrigger.PRIORITY, reason=reason,
                                   actor=actor, at=ctx.now()))
    uow.timers.cancel_for_case(case.id, kinds=[TimerKind.SLA])
    case.level = None


def restart_level(ctx: ServiceContext, uow: UnitOfWork, case: Case, *, actor: str,
                  reason: str) -> None:
    """A reopened tiered case starts a fresh stint (and SLA) at the level it was at."""
    if case.mode == CaseMode.TIERED and case.level is not None:
        move(ctx, uow, case, case.level, trigger=EscalationTrigger.MANUAL, reason=reason,
             actor=actor)


def on_severity_change(ctx: ServiceContext, uow: UnitOfWork, case: Case, *, was_swarm: bool,
                       actor: str) -> None:
    """Priority trigger: a raised severity jumps a tiered case to its level; a case leaving
    the swarm severities re-enters the levels."""
    if case.mode == CaseMode.SWARM:
        if not was_swarm:
            leave_tiered(ctx, uow, case, reason=f"severity raised to {case.severity}",
                         actor=actor)
        return
    if was_swarm or case.level is None:
        enter_tiered(ctx, uow, case, actor=actor, reason=f"severity set to {case.severity}")
        return
    target = ctx.policy.severity_level(case.severity, case.service, tuple(case.tags or ()))
    if target is not None and rank(target) > rank(case.level):
        path = ctx.policy.path_for(case.service, tuple(case.tags or ()))
        move(ctx, uow, case, target, trigger=EscalationTrigger.PRIORITY,
             reason=f"severity raised to {case.severity}", actor=actor,
             bypassed=ctx.policy.between(path, case.level, target))


# -- the commands ---------------------------------------------------------------------------
def escalate(ctx: ServiceContext, *, channel_id: str, actor: str, level_text: str | None,
             reason: str) -> LevelMoved:
    with ctx.uow() as uow:
        case = _tiered_case(uow, channel_id)
        require(ctx, uow, case, actor, "escalate", N_("escalate it"))
        current = case.level or ""
        path = ctx.policy.path_for(case.service, tuple(case.tags or ()))
        if not level_text:
            _refuse_a_second_step(ctx, uow, case, actor, "escalate", "higher")
        target = (ctx.policy.parse_level(level_text) if level_text
                  else ctx.policy.next_level(current, path))
        if target is None:
            raise Conflict("Case {reference} is at {current}, the top of its path; "
                           "there is no higher level.",
                           values={"reference": case.reference, "current": current})
        if rank(target) <= rank(current):
            raise InvalidInput("{target} is not above {current}; use `/swarm deescalate "
                               "{target}` to move the case down.",
                               values={"target": target, "current": current})
        move(ctx, uow, case, target, trigger=EscalationTrigger.MANUAL, reason=_reason(reason,
                                                                                      actor),
             actor=actor, bypassed=ctx.policy.between(path, current, target))
        uow.commit()
        return LevelMoved(case.reference, current, target, up=True)


# "One level up (or down)" from two people at once means the level they both saw: a second
# manual move by someone else this soon after the first is refused, not stacked on it.
ONE_STEP_WINDOW = timedelta(minutes=1)


def _refuse_a_second_step(ctx: ServiceContext, uow: UnitOfWork, case: Case, actor: str,
                          command: str, direction: str) -> None:
    last = uow.levels.current(case.id)
    if last is None or last.from_level is None or last.trigger != EscalationTrigger.MANUAL:
        return
    went_up = rank(last.to_level) > rank(last.from_level)
    if (went_up == (direction == "higher") and last.actor not in (None, actor)
            and last.at >= ctx.now() - ONE_STEP_WINDOW):
        raise Conflict("{by} just moved case {reference} {from_level} → "
                       "{to_level}; nothing changed. To go {direction} still, name the "
                       "level: `/swarm {command} <level>`.",
                       values={"reference": case.reference, "from_level": last.from_level,
                               "to_level": last.to_level, "direction": direction,
                               "command": command}, people={"by": last.actor or ""})


def deescalate(ctx: ServiceContext, *, channel_id: str, actor: str, level_text: str | None,
               reason: str) -> LevelMoved:
    with ctx.uow() as uow:
        case = _tiered_case(uow, channel_id)
        current = case.level or ""
        require(ctx, uow, case, actor, "deescalate", N_("move the case down"))
        path = ctx.policy.path_for(case.service, tuple(case.tags or ()))
        if not level_text:
            _refuse_a_second_step(ctx, uow, case, actor, "deescalate", "lower")
        target = (ctx.policy.parse_level(level_text) if level_text
                  else ctx.policy.previous_level(current, path))
        if target is None:
            raise Conflict("Case {reference} is at {current}, the bottom of its path.",
                           values={"reference": case.reference, "current": current})
        if rank(target) >= rank(current):
            raise InvalidInput("{target} is not below {current}; use `/swarm escalate "
                               "{target}` to move the case up.",
                               values={"target": target, "current": current})
        move(ctx, uow, case, target, trigger=EscalationTrigger.MANUAL, reason=_reason(reason,
                                                                                      actor),
             actor=actor)
        uow.commit()
        return LevelMoved(case.reference, current, target, up=False)


def acknowledge(ctx: ServiceContext, *, channel_id: str, actor: str
                ) -> Acknowledged | AlreadyAcknowledged:
    """Someone at the case's level takes it: the level's response SLA is met."""
    with ctx.uow() as uow:
        case = _tiered_case(uow, channel_id)
        stint = uow.levels.current(case.id)
        level = case.level or ""
        if stint is None:
            raise Conflict("Case {reference} is not at any level.",
                           values={"reference": case.reference})
        if stint.acknowledged_at is not None:
            return AlreadyAcknowledged(case.reference, level, stint.acknowledged_by)
        require(ctx, uow, case, actor, "ack", N_("acknowledge at {level}"),
                detail=N_(" {level}'s responders: {names}."),
                values={"level": level, "names": _names(ctx.policy, level)})
        now = ctx.now()
        stint.acknowledged_at, stint.acknowledged_by = now, actor
        case.acknowledged_at = case.acknowledged_at or now
        for stage in ("warning", "breach"):
            uow.timers.cancel(_timer_key(case, stint, "response", stage))
        add_participant(case, actor, ParticipantRole.RESPONDER, ctx.now())
        waited = _minutes(now - stint.at)
        uow.timeline.record(
            case.id,
            TimelineKind.ACKNOWLEDGED,
            actor=actor,
            at=now,
            level=level,
            minutes=waited,
        )
        effects.post(uow, case=case, note=NoteKind.ACKNOWLEDGED, actor=actor, level=level,
                     minutes=waited)
        effects.case_changed(uow, case, members=True)
        uow.commit()
        return Acknowledged(case.reference, level)


# -- the time trigger -----------------------------------------------------------------------
def fire_sla_timer(ctx: ServiceContext, uow: UnitOfWork, timer: Timer) -> None:
    """An SLA warning or breach. Does nothing if the case moved on since it was scheduled."""
    case = uow.cases.get(timer.case_id or 0, for_update=True)
    if case is None or case.status == CaseStatus.RESOLVED or case.mode != CaseMode.TIERED:
        return
    stint = uow.levels.current(case.id)
    sla, stage = timer.payload["sla"], timer.payload["stage"]
    if stint is None or stint.id != timer.payload["stint"]:
        return
    if sla == "response" and stint.acknowledged_at is not None:
        return
    level = stint.to_level
    limit = _limit(ctx.policy, level, sla)
    missing = "acknowledgement" if sla == "response" else "resolution"
    if stage == "warning":
        due = ctx.policy.sla_due(level, stint.at, limit, service=case.service,
                                 tags=tuple(case.tags or ()))
        if ctx.now() >= due:
            return  # the clock was down past the deadline: the breach speaks for itself
        # business time left: the warning's share of the budget, less any late firing
        left = _minutes(min(due - ctx.now(), limit * (1 - ctx.policy.warn_at)))
        uow.timeline.record(
            case.id,
            TimelineKind.SLA_WARNING,
            at=ctx.now(),
            level=level,
            sla=sla,
            left=left,
        )
        effects.post(uow, case=case, note=NoteKind.SLA_WARNING, level=level, sla=sla, left=left,
                     limit=limit.total_seconds(),
                     responders=list(responder_ids(uow, ctx.policy, level)))
        workflows.on_trigger(ctx, uow, case, "sla_warning")
        return
    uow.timeline.record(
        case.id,
        TimelineKind.SLA_BREACHED,
        at=ctx.now(),
        level=level,
        sla=sla,
        limit=limit.total_seconds(),
    )
    path = ctx.policy.path_for(case.service, tuple(case.tags or ()))
    target = ctx.policy.next_level(level, path)
    reason = f"{level} {sla} SLA of {sla_length(limit.total_seconds())} passed without {missing}"
    if target is None:
        effects.post(uow, case=case, note=NoteKind.SLA_AT_TOP, level=level, sla=sla,
                     limit=limit.total_seconds(), owner=case.owner_id)
        return
    move(ctx, uow, case, target, trigger=EscalationTrigger.TIME, reason=reason)


# -- helpers --------------------------------------------------------------------------------
def _tiered_case(uow: UnitOfWork, channel_id: str) -> Case:
    case = case_in_channel(uow, channel_id)
    require_open(case)
    if case.mode != CaseMode.TIERED or case.level is None:
        raise Conflict("Case {reference} is swarmed ({severity}), not on the "
                       "escalation levels: pull people in with `/swarm experts` or "
                       "`/swarm invite @user`, or lower its severity to put it on the levels.",
                       values={"reference": case.reference, "severity": case.severity})
    return case


def _schedule_sla(ctx: ServiceContext, uow: UnitOfWork, case: Case, stint: LevelChange) -> None:
    for sla in ("response", "resolution"):
        if sla == "response" and stint.acknowledged_at is not None:
            continue
        limit = _limit(ctx.policy, stint.to_level, sla)
        for stage, share in (("warning", ctx.policy.warn_at), ("breach", 1.0)):
            uow.timers.schedule(_timer_key(case, stint, sla, stage), TimerKind.SLA,
                                ctx.policy.sla_due(stint.to_level, stint.at, limit * share,
                                                   service=case.service,
                                                   tags=tuple(case.tags or ())),
                                case_id=case.id, stint=stint.id,
                                sla=sla, stage=stage)


def _timer_key(case: Case, stint: LevelChange, sla: str, stage: str) -> str:
    return f"sla:{case.id}:{stint.id}:{sla}:{stage}"


def _limit(policy: Policy, level: str, sla: str) -> timedelta:
    spec = policy.level(level)
    return spec.response if sla == "response" else spec.resolution


def _direction(previous: str | None, level: str) -> TimelineKind:
    if previous is None:
        return TimelineKind.LEVEL_SET
    if rank(level) > rank(previous):
        return TimelineKind.ESCALATED
    if rank(level) < rank(previous):
        return TimelineKind.DEESCALATED
    return TimelineKind.LEVEL_RESTARTED


def _reason(reason: str, actor: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise InvalidInput("Keep the reason under {limit} characters.",
                           values={"limit": MAX_REASON})
    return reason  # none given: who asked is the move's actor


def _names(policy: Policy, level: str) -> str:
    return ", ".join(policy.level(level).responders) or "anyone"


def _minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))

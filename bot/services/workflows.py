"""Running incident workflows (bot/domain/workflows.py) when their trigger happens to a
matching case: automatically, or by offering a button in the case channel. Every run is on
the timeline with what each step did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.domain.errors import Conflict, NotFound
from bot.domain.policy import rank
from bot.domain.privacy import title_for, visible_to
from bot.domain.states import CaseMode, CaseStatus, EscalationTrigger, ParticipantRole, TimelineKind
from bot.domain.workflows import Step, StepDone, Workflow
from bot.i18n import N_
from bot.services import effects, escalation
from bot.services.context import ServiceContext
from bot.services.effects import NoteKind
from bot.services.guards import require
from bot.services.participants import add_participant
from bot.services.responders import resolve_people
from models.case import Case
from models.scheduling import Timer, TimerKind
from models.uow import UnitOfWork


def on_trigger(ctx: ServiceContext, uow: UnitOfWork, case: Case, trigger: str, *,
               actor: str | None = None) -> None:
    """`trigger` happened to `case` (inside the caller's transaction)."""
    for workflow in ctx.policy.workflows:
        if workflow.when == trigger and _matches(workflow, case):
            start(ctx, uow, case, workflow, actor=actor)
    if trigger in ("declared", "status_update"):
        _watch_for_silence(ctx, uow, case)


def start(ctx: ServiceContext, uow: UnitOfWork, case: Case, workflow: Workflow, *,
          actor: str | None) -> None:
    if workflow.run == "button":
        uow.timeline.record(
            case.id,
            TimelineKind.WORKFLOW_OFFERED,
            at=ctx.now(),
            workflow=workflow.name,
            trigger=workflow.when,
        )
        effects.workflow_offer(uow, case, workflow=workflow.name)
        return
    run(ctx, uow, case, workflow, actor=actor)


@dataclass(frozen=True)
class WorkflowRan:
    name: str
    steps: tuple[StepDone, ...]


def run_from_button(ctx: ServiceContext, *, reference: tuple[int, str],
                    actor: str) -> WorkflowRan:
    """Someone on the case clicked an offered workflow's Run button (it runs once)."""
    case_id, name = reference
    with ctx.uow() as uow:
        case = uow.cases.get(case_id, for_update=True)
        workflow = ctx.policy.workflow(name)
        if case is None or workflow is None:
            raise NotFound("That workflow or case no longer exists.")
        if case.status == CaseStatus.RESOLVED and workflow.when != "resolved":
            raise Conflict("Case {reference} is resolved.", values={"reference": case.reference})
        require(ctx, uow, case, actor, "workflow run", N_("run its workflows"))
        if any(e.kind == TimelineKind.WORKFLOW_RUN and e.data.get("workflow") == name
               for e in uow.timeline.for_case(case.id)):
            raise Conflict("Workflow {name} already ran on case {reference}.",
                           values={"name": name, "reference": case.reference})
        done = run(ctx, uow, case, workflow, actor=actor)
        uow.commit()
        return WorkflowRan(name, done)


def run(ctx: ServiceContext, uow: UnitOfWork, case: Case, workflow: Workflow, *,
        actor: str | None) -> tuple[StepDone, ...]:
    done = tuple(_step(ctx, uow, case, step) for step in workflow.steps)
    uow.timeline.record(
        case.id,
        TimelineKind.WORKFLOW_RUN,
        actor=actor,
        at=ctx.now(),
        workflow=workflow.name,
        trigger=workflow.when,
        steps=[d.as_data() for d in done],
    )
    return done


def _step(ctx: ServiceContext, uow: UnitOfWork, case: Case, step: Step) -> StepDone:
    # the case's facts for the placeholders of the policy's own mrkdwn, worded where it is
    # shown; a private case's title is not in a workflow's texts at all (they may be posted
    # outside the case)
    facts = {"reference": case.reference, "title": title_for(case, None),
             "severity": case.severity, "service": case.service,
             "level": case.level or case.mode, "owner": case.owner_id}
    return _STEPS[step.do](ctx, uow, case, step, facts)


def _invite(ctx: ServiceContext, uow: UnitOfWork, case: Case, step: Step,
            facts: dict[str, Any]) -> StepDone:
    users, groups = resolve_people(uow, step.users)
    added = [u for u in users if add_participant(case, u, ParticipantRole.RESPONDER, ctx.now())]
    if added:
        effects.participants_changed(uow, case)
    effects.post(uow, case=case, note=NoteKind.WORKFLOW_INVITED, users=list(users),
                 groups=list(groups))
    return StepDone("invited", {"users": list(users), "groups": list(groups)})


def _post(ctx: ServiceContext, uow: UnitOfWork, case: Case, step: Step,
          facts: dict[str, Any]) -> StepDone:
    channel = step.channel or ctx.settings.stakeholder_channel
    if channel is None:
        return StepDone("no_channel")
    if channel != case.channel_id and not visible_to(case, None):  # read by outsiders
        return StepDone("kept_private")
    effects.post(uow, channel=channel, case=case, note=NoteKind.WORKFLOW_POST, words=step.text,
                 facts=facts)
    return StepDone("posted", {"channel": channel})


def _topic(ctx: ServiceContext, uow: UnitOfWork, case: Case, step: Step,
           facts: dict[str, Any]) -> StepDone:
    uow.timeline.record(case.id, TimelineKind.TOPIC_NOTE, at=ctx.now(), words=step.text,
                        facts=facts)
    effects.refresh_topic(uow, case)
    return StepDone("topic", {"words": step.text, "facts": facts})


def _call_link(ctx: ServiceContext, uow: UnitOfWork, case: Case, step: Step,
               facts: dict[str, Any]) -> StepDone:
    uow.timeline.record(case.id, TimelineKind.CALL_LINK, step.url, at=ctx.now(), url=step.url)
    effects.post(uow, case=case, note=NoteKind.CALL_LINK, url=step.url)
    effects.refresh_topic(uow, case)
    return StepDone("call_link")


def _remind(ctx: ServiceContext, uow: UnitOfWork, case: Case, step: Step,
            facts: dict[str, Any]) -> StepDone:
    effects.post(uow, case=case, note=NoteKind.WORKFLOW_REMIND, words=step.text, facts=facts)
    return StepDone("reminded")


def _escalate(ctx: ServiceContext, uow: UnitOfWork, case: Case, step: Step,
              facts: dict[str, Any]) -> StepDone:
    if case.mode != CaseMode.TIERED or case.level is None:
        return StepDone("swarmed")
    path = ctx.policy.path_for(case.service, tuple(case.tags or ()))
    target = step.level or ctx.policy.next_level(case.level, path)
    if target is None or rank(target) <= rank(case.level):
        return StepDone("at_top", {"level": case.level})
    previous = case.level
    # escalation.move fires the `escalated` trigger back into this module (not for this
    # move: from_workflow) — the module, not its names, is imported, so either may load first
    escalation.move(ctx, uow, case, target, trigger=EscalationTrigger.WORKFLOW,
                    reason="incident workflow",
                    bypassed=ctx.policy.between(path, previous, target), from_workflow=True)
    return StepDone("escalated", {"previous": previous, "level": target})


_Handler = Callable[[ServiceContext, UnitOfWork, Case, Step, dict[str, Any]], StepDone]
# What each `do` of a step does (bot/domain/workflows.py Step.do lists them).
_STEPS: dict[str, _Handler] = {"invite": _invite, "post": _post, "topic": _topic,
                               "call_link": _call_link, "remind": _remind,
                               "escalate": _escalate}


def _matches(workflow: Workflow, case: Case) -> bool:
    return workflow.matches(severity=case.severity, service=case.service,
                            tags=tuple(case.tags or ()), level=case.level)


def _watch_for_silence(ctx: ServiceContext, uow: UnitOfWork, case: Case) -> None:
    """(Re)start the clocks of the case's `no_update` workflows."""
    silent = [w for w in ctx.policy.workflows
              if w.when == "no_update" and w.minutes and _matches(w, case)]
    if not silent:
        return
    uow.timers.cancel_for_case(case.id, kinds=[TimerKind.WORKFLOW_NO_UPDATE])
    for workflow in silent:
        _arm(ctx, uow, case, workflow)


def _arm(ctx: ServiceContext, uow: UnitOfWork, case: Case, workflow: Workflow) -> None:
    due = ctx.now() + timedelta(minutes=workflow.minutes or 0)
    uow.timers.schedule(
        f"{TimerKind.WORKFLOW_NO_UPDATE}:{case.id}:{workflow.name}:{due.isoformat()}",
        TimerKind.WORKFLOW_NO_UPDATE,
        due,
        case_id=case.id,
        workflow=workflow.name,
    )


def fire_no_update(ctx: ServiceContext, uow: UnitOfWork, timer: Timer) -> None:
    """Timer: nobody posted a status update for the workflow's `minutes` — run it, and watch
    the next stretch of silence."""
    case = uow.cases.get(timer.case_id or 0, for_update=True)
    workflow = ctx.policy.workflow(str(timer.payload.get("workflow")))
    if case is None or workflow is None or case.status == CaseStatus.RESOLVED:
        return
    start(ctx, uow, case, workflow, actor=None)
    _arm(ctx, uow, case, workflow)

"""Status updates: posted by people on the case, reminded by the bot on a cadence."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import InvalidInput
from bot.domain.privacy import visible_to
from bot.domain.states import CaseStatus, TimelineKind
from bot.i18n import N_
from bot.services import effects, workflows
from bot.services.cases import schedule_status_reminder
from bot.services.context import ServiceContext
from bot.services.effects import NoteKind
from bot.services.guards import case_in_channel, require, require_open
from bot.services.working_hours import hold_until
from models.case import StatusUpdate
from models.scheduling import TimerKind
from models.uow import UnitOfWork

MAX_STATUS = 2000


# -- what the commands tell the person who ran them (rendered in bot/slack/replies.py) ------
@dataclass(frozen=True)
class StatusPosted:
    reference: str


def post_status(ctx: ServiceContext, *, channel_id: str, actor: str, text: str) -> StatusPosted:
    text = text.strip()
    if not text:
        raise InvalidInput("Say what the status is: `/swarm status <what changed, what's next>`.")
    if len(text) > MAX_STATUS:
        raise InvalidInput("Keep a status update under {limit} characters.",
                           values={"limit": MAX_STATUS})
    with ctx.uow() as uow:
        case = case_in_channel(uow, channel_id)
        require_open(case)
        require(ctx, uow, case, actor, "status", N_("post its status"))
        uow.status_updates.add(StatusUpdate(case_id=case.id, author_id=actor, text=text,
                                            posted_at=ctx.now()))
        uow.timeline.record(case.id, TimelineKind.STATUS_UPDATE, text, actor=actor, at=ctx.now())
        effects.post(uow, case=case, note=NoteKind.STATUS_UPDATE, reference=case.reference,
                     actor=actor, said=text)
        if ctx.settings.stakeholder_channel and visible_to(case, None):  # outside the case
            effects.post(uow, channel=ctx.settings.stakeholder_channel,
                         note=NoteKind.STAKEHOLDER_STATUS, reference=case.reference,
                         title=case.title, severity=case.severity, said=text)
        uow.timers.cancel_for_case(case.id, kinds=[TimerKind.STATUS_REMINDER])
        schedule_status_reminder(ctx, uow, case)
        workflows.on_trigger(ctx, uow, case, "status_update", actor=actor)
        uow.commit()
        return StatusPosted(case.reference)


def remind_owner(ctx: ServiceContext, uow: UnitOfWork, case_id: int) -> None:
    """Timer: nudge the owner for a status update and schedule the next nudge."""
    case = uow.cases.get(case_id, for_update=True)
    if case is None or case.status == CaseStatus.RESOLVED or case.owner_id is None:
        return
    if (later := hold_until(ctx, uow, case.owner_id,
                                  urgent=case.severity == "sev1")) is not None:
        uow.timers.schedule(f"status_reminder:{case.id}:{later.isoformat()}",
                            TimerKind.STATUS_REMINDER,
                            later, case_id=case.id)  # their working day: remind them then
        return
    latest = uow.status_updates.latest(case.id)
    since = latest.posted_at if latest else case.created_at
    minutes = int((ctx.now() - since).total_seconds() // 60)
    effects.post(uow, case=case, note=NoteKind.STATUS_REMINDER, owner=case.owner_id,
                 reference=case.reference, minutes=minutes, first=latest is None)
    uow.timeline.record(case.id, TimelineKind.STATUS_REMINDER, at=ctx.now(), owner=case.owner_id)
    schedule_status_reminder(ctx, uow, case)

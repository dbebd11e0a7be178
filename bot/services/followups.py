"""Follow-ups: action items recorded on a case, listed in its resolution and review, and
reminded to their owners (by DM, every SWARMBOT_FOLLOWUP_REMINDER_HOURS) until done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.privacy import visible_to
from bot.domain.states import TimelineKind
from bot.i18n import N_
from bot.services import effects
from bot.services.context import ServiceContext
from bot.services.effects import NoteKind
from bot.services.guards import case_in_channel, require
from bot.services.people import require_people
from bot.services.working_hours import hold_until
from models.case import Case, FollowUp
from models.repositories import with_case_locked
from models.scheduling import Timer, TimerKind
from models.uow import UnitOfWork

MAX_TEXT = 500


# -- what the commands tell the person who ran them (rendered in bot/slack/replies.py) ------
@dataclass(frozen=True)
class FollowupRecorded:
    number: int
    owner: str


@dataclass(frozen=True)
class FollowupDone:
    number: int


@dataclass(frozen=True)
class FollowupItem:
    number: int
    owner: str
    text: str
    done: bool


@dataclass(frozen=True)
class FollowupList:
    items: tuple[FollowupItem, ...]


def add_followup(ctx: ServiceContext, *, channel_id: str, actor: str, text: str,
                 owner: str | None) -> FollowupRecorded:
    text = " ".join(text.split())
    if not text:
        raise InvalidInput("Say what needs doing: `/swarm followup <action item> [@owner]`.")
    if len(text) > MAX_TEXT:
        raise InvalidInput("Keep a follow-up under {limit} characters.", values={"limit": MAX_TEXT})
    if owner is not None and owner != actor:
        require_people(ctx.people, [owner])
    with ctx.uow() as uow:
        case = case_in_channel(uow, channel_id)
        require(ctx, uow, case, actor, "followup", N_("add follow-ups to it"))
        owner = owner or actor
        item = uow.followups.add(FollowUp(case_id=case.id, text=text, owner_id=owner,
                                          created_by=actor, created_at=ctx.now()))
        uow.timeline.record(case.id, TimelineKind.FOLLOWUP, actor=actor, at=ctx.now(),
                            followup=item.id, owner=owner, item=text)
        _schedule_reminder(ctx, uow, item)
        if owner != actor:
            effects.post(uow, channel=owner, key=f"followup_assigned:{item.id}",
                         note=NoteKind.FOLLOWUP_ASSIGNED, actor=actor, number=item.id,
                         case_channel=case.channel_id, **_about(case, owner, text))
        uow.commit()
        return FollowupRecorded(item.id, owner)


def complete_followup(ctx: ServiceContext, *, followup_id: int, actor: str) -> FollowupDone:
    with ctx.uow() as uow:
        found = with_case_locked(uow.cases, uow.followups, followup_id)
        if found is None:
            raise NotFound("There is no follow-up F{number}.", values={"number": followup_id})
        case, item = found
        if item.done_at is not None:
            raise Conflict("F{number} was already done by {by}.", values={"number": item.id},
                           people={"by": item.done_by or ""})
        require(ctx, uow, case, actor, "followup done", N_("mark F{number} done"),
                followup=item, values={"number": item.id})
        item.done_at, item.done_by = ctx.now(), actor  # its reminder timers now do nothing
        uow.timeline.record(case.id, TimelineKind.FOLLOWUP_DONE, actor=actor, at=ctx.now(),
                            followup=item.id, item=item.text)
        effects.post(uow, case=case, key=f"followup_done:{item.id}", note=NoteKind.FOLLOWUP_DONE,
                     actor=actor, number=item.id, item=item.text)
        if case.review_ts:
            effects.post_review(uow, case)
        uow.commit()
        return FollowupDone(item.id)


def list_followups(ctx: ServiceContext, *, channel_id: str, actor: str) -> FollowupList:
    with ctx.uow() as uow:
        case = case_in_channel(uow, channel_id)
        require(ctx, uow, case, actor, "followup", N_("list its follow-ups"))
        return FollowupList(tuple(FollowupItem(i.id, i.owner_id, i.text, i.done_at is not None)
                                  for i in uow.followups.for_case(case.id)))


def remind_followup(ctx: ServiceContext, uow: UnitOfWork, timer: Timer) -> None:
    """Timer: nudge the owner of an open follow-up, then again after the interval."""
    found = with_case_locked(uow.cases, uow.followups, int(timer.payload["followup"]))
    if found is None or found[1].done_at is not None:
        return
    case, item = found
    if (later := hold_until(ctx, uow, item.owner_id, urgent=False)) is not None:
        _schedule_reminder(ctx, uow, item, at=later, after=timer)  # their working day's start
        return
    age = (ctx.now() - item.created_at).days
    effects.post(uow, channel=item.owner_id, key=f"followup_reminder:{item.id}:{timer.id}",
                 note=NoteKind.FOLLOWUP_REMINDER, age=age, number=item.id,
                 **_about(case, item.owner_id, item.text))
    _schedule_reminder(ctx, uow, item, after=timer)


def _schedule_reminder(ctx: ServiceContext, uow: UnitOfWork, item: FollowUp, *,
                       at: datetime | None = None, after: Timer | None = None) -> None:
    """The owner's next reminder, after the interval (or `at`); `after`: the reminder timer
    that fired, whose key the next one extends (each fired timer schedules one next)."""
    uow.timers.schedule(
        f"{TimerKind.FOLLOWUP_REMINDER}:{item.id}" + (f":{after.id}" if after else ""),
        TimerKind.FOLLOWUP_REMINDER,
        at or ctx.now() + timedelta(hours=ctx.settings.followup_reminder_hours),
        case_id=item.case_id,
        followup=item.id,
    )


def _about(case: Case, owner: str, text: str) -> dict[str, Any]:
    """The case and the action item as its owner may see them: a follow-up owner from outside
    a private case sees neither its title nor the item's text (it is about the case)."""
    if not visible_to(case, owner):
        return {"reference": case.reference, "private": True}
    return {"reference": case.reference, "title": case.title, "text": text}


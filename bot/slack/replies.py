"""What a use case's result says to the person who asked: each typed result a service
returns (a small frozen dataclass) becomes its sentence here, at the edge — so the words
follow the reader (their language: `bot.i18n`, set around the call) without the use cases
knowing about Slack.

Domain errors are not results: they stay exceptions, rendered by bot/slack/errors.py. Text a
person typed is escaped (bot/domain/mrkdwn.escape) where it enters markup."""

from __future__ import annotations

from functools import singledispatch

from bot.domain.mrkdwn import escape
from bot.domain.timeline import step_words
from bot.i18n import _
from bot.i18n.formats import sla_length
from bot.services.approvals import ApprovalDecided, ApprovalRequested
from bot.services.cases import CaseClaimed, CaseHandedOver, CaseOpened, SeverityChanged
from bot.services.escalation import Acknowledged, AlreadyAcknowledged, LevelMoved
from bot.services.expertise import Availability, Skills
from bot.services.followups import FollowupDone, FollowupList, FollowupRecorded
from bot.services.knowledge import History, NoModel, NothingSimilar
from bot.services.leaving import LeftSwarm
from bot.services.resolution import CaseReopened, CaseResolved, ResolutionConfirmed
from bot.services.review import LessonAdded
from bot.services.status import StatusPosted
from bot.services.swarm import ExpertsInvited, PeopleAdded
from bot.services.workflows import WorkflowRan
from bot.slack.notes import note_text


@singledispatch
def reply(result: object) -> str:
    """The sentence for `result`, in the current reader's language."""
    raise TypeError(f"no reply for {type(result).__name__}")


def _person(user: str | None) -> str:
    return f"<@{user}>" if user else _("someone")


def _people(users: tuple[str, ...]) -> str:
    return _(", ").join(f"<@{u}>" for u in users)


# -- cases ----------------------------------------------------------------------------------
@reply.register
def _case_opened(result: CaseOpened) -> str:
    if not result.created:
        return _("You declared this a moment ago: case {reference} is open already, nothing "
                 "new was created.").format(reference=result.reference)
    return _(":rotating_light: Case {reference} declared; you own it. Its channel is being "
             "created and you'll be added to it.").format(reference=result.reference) + (
        _invites(result) if result.swarm else "")


def _invites(result: CaseOpened) -> str:
    """What the owner of a new swarm is told of its invites: only those that happened (or,
    while its experts are being chosen, that they are)."""
    if result.choosing:
        return " " + _("Recommended experts are being chosen: you'll see who is invited in a "
                       "moment, here and in the case channel.")
    held = (" " + _("Invited when their working day starts: {people}.").format(
        people=_people(result.held)) if result.held else "")
    if result.invited:
        return " " + _("Recommended experts are being invited: {people}.").format(
            people=_people(result.invited)) + held
    if result.held:
        return " " + _("Nobody is invited right now.") + held
    return " " + _("*Nobody could be invited* (the case channel says why). Next: add people "
                   "with `/swarm invite @…`; have people declare what they know with "
                   "`/swarm skills add …`; import resolution history with `swarmbot history "
                   "import FILE`.")


@reply.register
def _case_claimed(result: CaseClaimed) -> str:
    if result.already:
        return _("You already own case {reference}.").format(reference=result.reference)
    return _("You own case {reference} now.").format(reference=result.reference)


@reply.register
def _handed_over(result: CaseHandedOver) -> str:
    return _("{owner} owns case {reference} now.").format(owner=_person(result.owner),
                                                          reference=result.reference)


@reply.register
def _severity_changed(result: SeverityChanged) -> str:
    if result.already:
        return _("Case {reference} is already {severity}.").format(
            reference=result.reference, severity=result.severity)
    return _("Case {reference} is {severity} now.").format(reference=result.reference,
                                                           severity=result.severity)


# -- escalation ---------------------------------------------------------------------------
@reply.register
def _level_moved(result: LevelMoved) -> str:
    words = (_("Case {reference} escalated {previous} → {level}.") if result.up
             else _("Case {reference} moved down {previous} → {level}."))
    return words.format(reference=result.reference, previous=result.previous,
                        level=result.level)


@reply.register
def _acknowledged(result: Acknowledged) -> str:
    return _("You acknowledged case {reference} at {level}.").format(
        reference=result.reference, level=result.level)


@reply.register
def _already_acknowledged(result: AlreadyAcknowledged) -> str:
    return _("Case {reference} was already acknowledged at {level} by {person}.").format(
        reference=result.reference, level=result.level, person=_person(result.by))


@reply.register
def _approval_requested(result: ApprovalRequested) -> str:
    if result.sent_to:
        return _("Approval of `{item}` requested from {level} and sent to {people}.").format(
            item=escape(result.item), level=result.level, people=_people(result.sent_to))
    return _("Approval of `{item}` requested from {level}.").format(item=escape(result.item),
                                                                    level=result.level)


@reply.register
def _approval_decided(result: ApprovalDecided) -> str:
    words = (_("You approved `{item}` on case {reference}.") if result.approved
             else _("You rejected `{item}` on case {reference}."))
    return words.format(item=escape(result.item), reference=result.reference)


# -- the swarm --------------------------------------------------------------------------------
@reply.register
def _people_added(result: PeopleAdded) -> str:
    if not result.added:
        return _("They are already in this swarm.")
    return _("Added {people} to case {reference}.").format(people=_people(result.added),
                                                           reference=result.reference)


@reply.register
def _experts_invited(result: ExpertsInvited) -> str:
    held = (" " + _("Invited when their working day starts: {people}.").format(
        people=_people(result.held)) if result.held else "")
    if result.invited:
        return _("Invited {people}.").format(people=_people(result.invited)) + held
    if result.held:
        return _("Nobody who fits is working right now.") + held
    return _("Nobody more to invite right now: everyone who fits is invited already, away or "
             "busy — or nobody fits yet. Add someone with `/swarm invite @user`; people can "
             "declare what they know with `/swarm skills add …`.")


@reply.register
def _left(result: LeftSwarm) -> str:
    return _("You left the swarm of case {reference}.").format(reference=result.reference)


@reply.register
def _status_posted(result: StatusPosted) -> str:
    return _("Status update posted on case {reference}.").format(reference=result.reference)


# -- resolution, follow-ups, review -----------------------------------------------------------
@reply.register
def _resolved(result: CaseResolved) -> str:
    grace = sla_length(result.grace.total_seconds())
    if result.confirm_from:
        return _("Case {reference} is resolved. {person} is asked to confirm; the channel is "
                 "archived {grace} after they do (reminded once if they don't answer, then "
                 "archived anyway).").format(reference=result.reference,
                                             person=_person(result.confirm_from), grace=grace)
    return _("Case {reference} is resolved. The channel is archived in {grace}.").format(
        reference=result.reference, grace=grace)


@reply.register
def _confirmed(result: ResolutionConfirmed) -> str:
    if result.already_by is not None:
        return _("Case {reference} is confirmed resolved already (by {person}).").format(
            reference=result.reference, person=_person(result.already_by))
    return _("Thanks — case {reference} is confirmed resolved.").format(
        reference=result.reference)


@reply.register
def _reopened(result: CaseReopened) -> str:
    if result.new_channel:
        return _("Case {reference} is open again. Its channel {channel} was archived and Slack "
                 "does not let a bot unarchive it, so the case goes on in a new channel, opening "
                 "now (you are invited; the old one stays readable).").format(
            reference=result.reference, channel=f"<#{result.archived_channel}>")
    return _("Case {reference} is open again.").format(reference=result.reference)


@reply.register
def _followup_recorded(result: FollowupRecorded) -> str:
    return _("Follow-up F{number} recorded for {person}.").format(
        number=result.number, person=_person(result.owner))


@reply.register
def _followup_done(result: FollowupDone) -> str:
    return _("F{number} is done.").format(number=result.number)


@reply.register
def _followups(result: FollowupList) -> str:
    if not result.items:
        return _("No follow-ups on this case yet: `/swarm followup <action item> [@owner]`.")
    return "\n".join(f"{'✅' if i.done else '⬜'} F{i.number} <@{i.owner}>: {escape(i.text)}"
                     for i in result.items)


@reply.register
def _lesson(result: LessonAdded) -> str:
    if result.shown_only:
        return _("The review of case {reference} is in the channel; add a lesson with "
                 "`/swarm review <what we learned>`.").format(reference=result.reference)
    return _("Added to the review of case {reference}.").format(reference=result.reference)


# -- people -----------------------------------------------------------------------------------
@reply.register
def _skills(result: Skills) -> str:
    listed = _(", ").join(f"`{escape(s)}`" for s in result.skills) or _("none yet")
    return _("Your skills: {skills}.").format(skills=listed)


@reply.register
def _availability(result: Availability) -> str:
    if result.away:
        return _("You are marked away: swarmbot won't invite you to swarms until `/swarm back`.")
    return _("Welcome back: swarmbot may invite you to swarms again.")


# -- the history, workflows -------------------------------------------------------------------
@reply.register
def _no_model(result: NoModel) -> str:
    return _("No expert model is trained yet, so there is no history to search; see "
             "`swarmbot model train`.")


@reply.register
def _nothing_similar(result: NothingSimilar) -> str:
    return _("No resolved case in the history is close enough to this one.")


@reply.register
def _history(result: History) -> str:
    return note_text("history", result.data())


@reply.register
def _workflow_ran(result: WorkflowRan) -> str:
    return _("Workflow {name} ran: {steps}.").format(
        name=result.name, steps=_("; ").join(step_words(d) for d in result.steps))

"""What a use case's result says to the person who asked: each typed result a service
returns (a small frozen dataclass) becomes its sentence here, at the edge — so the words can
follow the reader (their language, later) without the use cases knowing about Slack.

Domain errors are not results: they stay exceptions, rendered by bot/slack/errors.py. Text a
person typed is escaped (bot/domain/mrkdwn.escape) where it enters markup."""

from __future__ import annotations

from functools import singledispatch

from bot.domain.durations import sla_length
from bot.domain.mrkdwn import escape
from bot.domain.timeline import step_words
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
    """The sentence for `result`."""
    raise TypeError(f"no reply for {type(result).__name__}")


def _person(user: str | None) -> str:
    return f"<@{user}>" if user else "someone"


def _people(users: tuple[str, ...]) -> str:
    return ", ".join(f"<@{u}>" for u in users)


# -- cases ----------------------------------------------------------------------------------
@reply.register
def _(result: CaseOpened) -> str:
    if not result.created:
        return (f"You declared this a moment ago: case {result.reference} is open already, "
                "nothing new was created.")
    return (f":rotating_light: Case {result.reference} declared; you own it. Its channel is "
            f"being created and you'll be added to it.{_invites(result) if result.swarm else ''}")


def _invites(result: CaseOpened) -> str:
    """What the owner of a new swarm is told of its invites: only those that happened."""
    held = (f" Invited when their working day starts: {_people(result.held)}."
            if result.held else "")
    if result.invited:
        return f" Recommended experts are being invited: {_people(result.invited)}.{held}"
    if result.held:
        return f" Nobody is invited right now.{held}"
    return (" *Nobody could be invited* (the case channel says why). Next: add people with "
            "`/swarm invite @…`; have people declare what they know with `/swarm skills add "
            "…`; import resolution history with `swarmbot history import FILE`.")


@reply.register
def _(result: CaseClaimed) -> str:
    if result.already:
        return f"You already own case {result.reference}."
    return f"You own case {result.reference} now."


@reply.register
def _(result: CaseHandedOver) -> str:
    return f"<@{result.owner}> owns case {result.reference} now."


@reply.register
def _(result: SeverityChanged) -> str:
    if result.already:
        return f"Case {result.reference} is already {result.severity}."
    return f"Case {result.reference} is {result.severity} now."


# -- escalation ---------------------------------------------------------------------------
@reply.register
def _(result: LevelMoved) -> str:
    verb = "escalated" if result.up else "moved down"
    return f"Case {result.reference} {verb} {result.previous} → {result.level}."


@reply.register
def _(result: Acknowledged) -> str:
    return f"You acknowledged case {result.reference} at {result.level}."


@reply.register
def _(result: AlreadyAcknowledged) -> str:
    return (f"Case {result.reference} was already acknowledged at {result.level} by "
            f"{_person(result.by)}.")


@reply.register
def _(result: ApprovalRequested) -> str:
    sent = f" and sent to {_people(result.sent_to)}" if result.sent_to else ""
    return f"Approval of `{escape(result.item)}` requested from {result.level}{sent}."


@reply.register
def _(result: ApprovalDecided) -> str:
    verb = "approved" if result.approved else "rejected"
    return f"You {verb} `{escape(result.item)}` on case {result.reference}."


# -- the swarm --------------------------------------------------------------------------------
@reply.register
def _(result: PeopleAdded) -> str:
    if not result.added:
        return "They are already in this swarm."
    return f"Added {_people(result.added)} to case {result.reference}."


@reply.register
def _(result: ExpertsInvited) -> str:
    held = (f" Invited when their working day starts: {_people(result.held)}."
            if result.held else "")
    if result.invited:
        return f"Invited {_people(result.invited)}.{held}"
    if result.held:
        return f"Nobody who fits is working right now.{held}"
    return ("Nobody more to invite right now: everyone who fits is invited already, away or "
            "busy — or nobody fits yet. Add someone with `/swarm invite @user`; people can "
            "declare what they know with `/swarm skills add …`.")


@reply.register
def _(result: LeftSwarm) -> str:
    return f"You left the swarm of case {result.reference}."


@reply.register
def _(result: StatusPosted) -> str:
    return f"Status update posted on case {result.reference}."


# -- resolution, follow-ups, review -----------------------------------------------------------
@reply.register
def _(result: CaseResolved) -> str:
    grace = sla_length(result.grace.total_seconds())
    if result.confirm_from:
        return (f"Case {result.reference} is resolved. <@{result.confirm_from}> is asked to "
                f"confirm; the channel is archived {grace} after they do (reminded once if "
                "they don't answer, then archived anyway).")
    return f"Case {result.reference} is resolved. The channel is archived in {grace}."


@reply.register
def _(result: ResolutionConfirmed) -> str:
    if result.already_by is not None:
        return (f"Case {result.reference} is confirmed resolved already (by "
                f"<@{result.already_by}>).")
    return f"Thanks — case {result.reference} is confirmed resolved."


@reply.register
def _(result: CaseReopened) -> str:
    if result.new_channel:
        return (f"Case {result.reference} is open again. Its channel <#{result.archived_channel}> "
                "was archived and Slack does not let a bot unarchive it, so the case goes on in "
                "a new channel, opening now (you are invited; the old one stays readable).")
    return f"Case {result.reference} is open again."


@reply.register
def _(result: FollowupRecorded) -> str:
    return f"Follow-up F{result.number} recorded for <@{result.owner}>."


@reply.register
def _(result: FollowupDone) -> str:
    return f"F{result.number} is done."


@reply.register
def _(result: FollowupList) -> str:
    if not result.items:
        return "No follow-ups on this case yet: `/swarm followup <action item> [@owner]`."
    return "\n".join(f"{'✅' if i.done else '⬜'} F{i.number} <@{i.owner}>: {escape(i.text)}"
                     for i in result.items)


@reply.register
def _(result: LessonAdded) -> str:
    if result.shown_only:
        return (f"The review of case {result.reference} is in the channel; add a lesson with "
                "`/swarm review <what we learned>`.")
    return f"Added to the review of case {result.reference}."


# -- people -----------------------------------------------------------------------------------
@reply.register
def _(result: Skills) -> str:
    listed = ", ".join(f"`{escape(s)}`" for s in result.skills) or "none yet"
    return f"Your skills: {listed}."


@reply.register
def _(result: Availability) -> str:
    if result.away:
        return "You are marked away: swarmbot won't invite you to swarms until `/swarm back`."
    return "Welcome back: swarmbot may invite you to swarms again."


# -- the history, workflows -------------------------------------------------------------------
@reply.register
def _(result: NoModel) -> str:
    return ("No expert model is trained yet, so there is no history to search; see "
            "`swarmbot model train`.")


@reply.register
def _(result: NothingSimilar) -> str:
    return "No resolved case in the history is close enough to this one."


@reply.register
def _(result: History) -> str:
    return note_text("history", result.data())


@reply.register
def _(result: WorkflowRan) -> str:
    return f"Workflow {result.name} ran: {'; '.join(step_words(d) for d in result.steps)}."

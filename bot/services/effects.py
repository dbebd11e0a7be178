"""Slack side effects a use case implies, recorded in the outbox in the same transaction.

Each function names one intent and gives it a dedupe key, so recording it twice (a retried
request) delivers it once. What exactly is sent is rendered at delivery time from the
database, so a message always shows the case as it is then."""

from __future__ import annotations

import uuid
from datetime import timedelta
from enum import StrEnum
from typing import Any

from models.case import Case, Invite
from models.uow import UnitOfWork


class Effect(StrEnum):
    CREATE_CHANNEL = "create_channel"
    SYNC_MEMBERS = "sync_members"
    REMOVE_MEMBER = "remove_member"
    SET_TOPIC = "set_topic"
    POST_SUMMARY = "post_summary"
    POST = "post"
    POST_RESOLUTION = "post_resolution"
    UPDATE_RESOLUTION = "update_resolution"
    SEND_INVITE = "send_invite"
    INVITE_HINTS = "invite_hints"
    UPDATE_INVITE = "update_invite"
    ANSWER_EARLY = "answer_early"  # not Slack: reactions that came before the invite's ts
    PLAN_SWARM = "plan_swarm"  # not Slack: a declared swarm's experts, chosen after the ack
    EPHEMERAL = "ephemeral"
    ARCHIVE_CHANNEL = "archive_channel"
    UNARCHIVE_CHANNEL = "unarchive_channel"
    PUBLISH_HOME = "publish_home"
    HAND_OFF = "hand_off"
    APPROVAL_REQUEST = "approval_request"
    UPDATE_APPROVAL = "update_approval"
    SYNC_USER_GROUP = "sync_user_group"
    CASE_FEED = "case_feed"  # not Slack: an event POSTed to SWARMBOT_CASE_FEED_URL
    POST_REVIEW = "post_review"
    SYNC_PROFILE = "sync_profile"
    WORKFLOW_OFFER = "workflow_offer"
    DELIVERY_FAILED = "delivery_failed"  # tells the owner what could not be done
    ADD_BOOKMARK = "add_bookmark"


class NoteKind(StrEnum):
    """A post or ephemeral note recorded as a kind and its data (`post(note=…)`,
    `ephemeral(note=…)`), worded by bot/slack/notes.py when it is delivered."""

    ACKNOWLEDGED = "acknowledged"
    APPROVAL_DECIDED = "approval_decided"
    ARCHIVED_UNCONFIRMED = "archived_unconfirmed"
    CALL_LINK = "call_link"
    CLAIMED = "claimed"
    CONFIRM_REMINDER = "confirm_reminder"
    EXPERTS_CHOSEN = "experts_chosen"
    EXPERTS_INVITED = "experts_invited"
    FOLLOWUP_ASSIGNED = "followup_assigned"
    FOLLOWUP_DONE = "followup_done"
    FOLLOWUP_REMINDER = "followup_reminder"
    HANDED_OVER = "handed_over"
    HISTORY = "history"
    INVITE_ACCEPTED = "invite_accepted"
    INVITE_CLOSED = "invite_closed"
    INVITES_HELD = "invites_held"
    LEFT = "left"
    LEVEL_MOVED = "level_moved"
    NOBODY_TO_INVITE = "nobody_to_invite"
    PEOPLE_ADDED = "people_added"
    REOPENED = "reopened"
    SEVERITY_CHANGED = "severity_changed"
    SLA_AT_TOP = "sla_at_top"
    SLA_WARNING = "sla_warning"
    STAKEHOLDER_STATUS = "stakeholder_status"
    STATUS_REMINDER = "status_reminder"
    STATUS_UPDATE = "status_update"
    WORKFLOW_INVITED = "workflow_invited"
    WORKFLOW_POST = "workflow_post"
    WORKFLOW_REMIND = "workflow_remind"
    ALERTS_RESOLVED = "alerts_resolved"
    ALERTS_FIRING_AGAIN = "alerts_firing_again"
    ALL_ALERTS_RESOLVED = "all_alerts_resolved"
    SOURCE_QUOTED = "source_quoted"  # the case channel quotes the message it came from
    INTAKE_OPENED = "intake_opened"  # in the message's thread: the case, linked
    INTAKE_RESOLVED = "intake_resolved"  # in the message's thread: how it was resolved


# Effects that render the current state when delivered (members, topic, summary, review,
# App Home, profile, user group) are recorded under a `queueing_lock`, not a `dedupe_key`:
# while one waits, recording another is a no-op (they coalesce); the lock is released when
# its delivery starts, so a change made after that gets a refresh of its own.


URGENT = 0  # channel, members and invites go out before refreshes and notes

def _once() -> str:
    return uuid.uuid4().hex


def create_channel(uow: UnitOfWork, case: Case, *, notify_in: str | None = None,
                   again: bool = False) -> None:
    """Open the case channel; `notify_in` is where the owner declared it (they get the link).
    `again`: a new one for a case whose channel was archived (reopened)."""
    key = f"create_channel:{case.id}" + (f":{_once()}" if again else "")
    uow.outbox.enqueue(key, Effect.CREATE_CHANNEL,
                       {"notify_in": notify_in}, case_id=case.id, priority=URGENT)


def plan_swarm(uow: UnitOfWork, case: Case, *, notify_in: str | None = None) -> None:
    """Choose and invite a declared swarm's experts once the declarer has their answer
    (`cases.plan_swarm`). Under a lock of its own: it goes while the channel is created."""
    uow.outbox.enqueue(f"plan_swarm:{case.id}", Effect.PLAN_SWARM, {"notify_in": notify_in},
                       case_id=case.id, priority=URGENT, lock=f"plan:{case.id}")


def sync_members(uow: UnitOfWork, case: Case) -> None:
    uow.outbox.enqueue(None, Effect.SYNC_MEMBERS, {}, case_id=case.id, priority=URGENT,
                       queueing_lock=f"sync_members:{case.id}")


def remove_member(uow: UnitOfWork, case: Case, user: str) -> None:
    """Take `user`, who left the swarm, out of the case channel (conversations.kick)."""
    uow.outbox.enqueue(f"remove_member:{case.id}:{user}:{_once()}", Effect.REMOVE_MEMBER,
                       {"user": user}, case_id=case.id)


def participants_changed(uow: UnitOfWork, case: Case) -> None:
    """Someone joined or left: the channel's members, and the summary's "In the swarm"."""
    sync_members(uow, case)
    post_summary(uow, case)


def refresh_topic(uow: UnitOfWork, case: Case) -> None:
    uow.outbox.enqueue(None, Effect.SET_TOPIC, {}, case_id=case.id,
                       queueing_lock=f"set_topic:{case.id}")


def post_summary(uow: UnitOfWork, case: Case, *, gather: timedelta | None = None) -> None:
    """Post the case summary once; later calls update the same message. `gather`: refresh
    no sooner than that, outside the case's order (its other effects do not wait for it) —
    what else changes meanwhile (an alert storm) rides on the same edit."""
    if gather is None:
        uow.outbox.enqueue(None, Effect.POST_SUMMARY, {}, case_id=case.id,
                           queueing_lock=f"post_summary:{case.id}")
        return
    uow.outbox.enqueue(None, Effect.POST_SUMMARY, {}, case_id=case.id,
                       queueing_lock=f"post_summary:{case.id}", not_before=uow.now() + gather,
                       lock=f"summary:{case.id}")


def case_changed(uow: UnitOfWork, case: Case, *, members: bool = False) -> None:
    """Show a change of the case in its channel: topic and summary (and members if asked)."""
    if members:
        sync_members(uow, case)
    refresh_topic(uow, case)
    post_summary(uow, case)


def post(uow: UnitOfWork, *, note: NoteKind, blocks: list[dict[str, Any]] | None = None,
         case: Case | None = None, channel: str | None = None, key: str | None = None,
         thread_ts: str | None = None, **data: Any) -> None:
    """Post a message to `channel`, or to the case's channel once it exists. `note` is a kind
    that bot/slack/notes.py words from `data` when it is delivered (the case channel's link
    is known then). Give `key` when the same intent may be recorded twice and must be posted
    once."""
    payload: dict[str, Any] = {"note": note, "data": data, "blocks": blocks, "channel": channel}
    if thread_ts:  # a reply in that thread of `channel`
        payload["thread_ts"] = thread_ts
    uow.outbox.enqueue(key or f"post:{_once()}", Effect.POST, payload,
                       case_id=case.id if case else None)


def post_resolution(uow: UnitOfWork, case: Case) -> None:
    """The resolution summary (duration, who helped, timeline) with confirm/reopen buttons."""
    uow.outbox.enqueue(f"post_resolution:{case.id}:{_once()}", Effect.POST_RESOLUTION, {},
                       case_id=case.id)


def refresh_resolution(uow: UnitOfWork, case: Case) -> None:
    """Show the answer on the resolution message: its confirm button goes."""
    uow.outbox.enqueue(None, Effect.UPDATE_RESOLUTION, {}, case_id=case.id,
                       queueing_lock=f"update_resolution:{case.id}")


def _invite_lock(invite: Invite) -> str:
    """An invite's effects go in order among themselves, not behind its case's: the DM
    needs no channel, and a case's invites go out side by side."""
    return f"invite:{invite.id}"


def send_invite(uow: UnitOfWork, invite: Invite) -> None:
    uow.outbox.enqueue(f"send_invite:{invite.id}", Effect.SEND_INVITE, {"invite_id": invite.id},
                       case_id=invite.case_id, priority=URGENT, lock=_invite_lock(invite))


def invite_hints(uow: UnitOfWork, invite: Invite) -> None:
    """The accept and decline reactions on a sent invite, for a one-tap answer. Not urgent:
    the invite's text says what to react with, so in a burst every case's invites go out
    before any of them gets its hints."""
    uow.outbox.enqueue(f"invite_hints:{invite.id}", Effect.INVITE_HINTS,
                       {"invite_id": invite.id}, case_id=invite.case_id,
                       lock=_invite_lock(invite))


def answer_early(uow: UnitOfWork, invite: Invite) -> None:
    """The expert reacted to the invite before its ts was recorded: apply those reactions
    now that it is (delivered by running the answer, `swarm.answer_early`)."""
    uow.outbox.enqueue(f"answer_early:{invite.id}", Effect.ANSWER_EARLY,
                       {"invite_id": invite.id}, case_id=invite.case_id, priority=URGENT,
                       lock=_invite_lock(invite))


def update_invite(uow: UnitOfWork, invite: Invite) -> None:
    uow.outbox.enqueue(f"update_invite:{invite.id}:{invite.state}", Effect.UPDATE_INVITE,
                       {"invite_id": invite.id}, case_id=invite.case_id,
                       lock=_invite_lock(invite))


def ephemeral(uow: UnitOfWork, *, user: str, channel: str, text: str = "",
              blocks: list[dict[str, Any]] | None = None, note: NoteKind | None = None,
              **data: Any) -> None:
    """A note only `user` sees. Give `note` (a kind that bot/slack/notes.py words) and its
    data rather than `text`: the words are made at the edge."""
    uow.outbox.enqueue(f"ephemeral:{_once()}", Effect.EPHEMERAL,
                       {"user": user, "channel": channel, "text": text, "blocks": blocks,
                        "note": note, "data": data})


def archive_channel(uow: UnitOfWork, case: Case) -> None:
    uow.outbox.enqueue(f"archive:{case.id}:{_once()}", Effect.ARCHIVE_CHANNEL, {}, case_id=case.id)


def unarchive_channel(uow: UnitOfWork, case: Case) -> None:
    uow.outbox.enqueue(f"unarchive:{case.id}:{_once()}", Effect.UNARCHIVE_CHANNEL, {},
                       case_id=case.id)


def publish_home(uow: UnitOfWork, user: str) -> None:
    uow.outbox.enqueue(None, Effect.PUBLISH_HOME, {"user": user}, queueing_lock=f"home:{user}")


def hand_off(uow: UnitOfWork, case: Case, *, stint_id: int, user: str) -> None:
    """The case reached `user`'s level: send them its whole context in one direct message."""
    uow.outbox.enqueue(f"hand_off:{stint_id}:{user}", Effect.HAND_OFF,
                       {"user": user, "stint_id": stint_id}, case_id=case.id, priority=URGENT)


def approval_request(uow: UnitOfWork, case: Case, *, approval_id: int,
                     user: str | None = None) -> None:
    """Ask for a decision, with Approve/Reject buttons: in the case channel (`user` None) or
    in a direct message to one approver."""
    uow.outbox.enqueue(f"approval:{approval_id}:{user or 'channel'}", Effect.APPROVAL_REQUEST,
                       {"approval_id": approval_id, "user": user}, case_id=case.id)


def sync_user_group(uow: UnitOfWork, group: str) -> None:
    """Read the members of a responder user group from Slack."""
    uow.outbox.enqueue(None, Effect.SYNC_USER_GROUP, {"group": group},
                       queueing_lock=f"sync_user_group:{group}")


def approval_decided(uow: UnitOfWork, case: Case, *, approval_id: int) -> None:
    """Replace the buttons of every copy of the request with the decision."""
    uow.outbox.enqueue(f"update_approval:{approval_id}", Effect.UPDATE_APPROVAL,
                       {"approval_id": approval_id}, case_id=case.id)


def post_review(uow: UnitOfWork, case: Case) -> None:
    """Post the review draft in the case channel once; later calls update it."""
    uow.outbox.enqueue(None, Effect.POST_REVIEW, {}, case_id=case.id,
                       queueing_lock=f"post_review:{case.id}")


def sync_profile(uow: UnitOfWork, user: str) -> None:
    """Learn the person's time zone, handle and name from Slack (users.info)."""
    uow.outbox.enqueue(None, Effect.SYNC_PROFILE, {"user": user},
                       queueing_lock=f"sync_profile:{user}")


def workflow_offer(uow: UnitOfWork, case: Case, *, workflow: str) -> None:
    """Offer a workflow in the case channel, with a button that runs it."""
    uow.outbox.enqueue(f"workflow_offer:{case.id}:{workflow}:{_once()}", Effect.WORKFLOW_OFFER,
                       {"workflow": workflow}, case_id=case.id)


def delivery_failed(uow: UnitOfWork, *, case_id: int, effect_id: int, kind: str,
                    reason: str) -> None:
    """Tell the case's owner, by direct message, that Slack refused an effect for good (what
    could not be done, and why). Outside the case's lock: it does not wait behind the
    case's other effects."""
    uow.outbox.enqueue(f"delivery_failed:{effect_id}", Effect.DELIVERY_FAILED,
                       {"case_id": case_id, "effect_id": effect_id, "kind": kind,
                        "reason": reason[:500]}, priority=URGENT)


def add_bookmark(uow: UnitOfWork, case: Case, kind: str, *, link: str | None = None) -> None:
    """Bookmark `link` (or, for the review, its message) in the case channel, once ever."""
    uow.outbox.enqueue(f"bookmark:{case.id}:{kind}", Effect.ADD_BOOKMARK,
                       {"kind": kind, "link": link}, case_id=case.id)

"""Messages: the case summary (posted once, then updated), plain posts, the resolution
summary with its confirm button, ephemeral notes."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.delivery.protocol import PermanentFailure
from bot.domain.mrkdwn import escape
from bot.domain.policy import Policy
from bot.domain.states import CaseStatus
from bot.domain.timeline import ALERT_KINDS, alerts_left_out, describe, thinned
from bot.i18n import _, ngettext
from bot.services import bookmarks
from bot.services.resolution import resolvers_of
from bot.services.review import review_for
from bot.slack.blocks import (
    AlertsShown,
    case_summary,
    human_duration,
    resolution_message,
    review_blocks,
    workflow_offer_message,
)
from bot.slack.effects.support import (
    Executor,
    case_channel,
    case_for,
    post_once,
    slack_error,
    unanswered,
)
from bot.slack.ids import Action
from bot.slack.notes import CASE_CHANNEL, text_of
from models.case import Case
from models.scheduling import OutboxMessage, OutboxState
from models.uow import UnitOfWork

GONE = ("channel_not_found", "is_archived", "account_inactive")


class PostSummary(Executor):
    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        case = case_for(uow, message.case_id)
        if case is None:
            return None
        if case.summary_ts is None and _earlier_first_post(uow, message):
            return None  # that one posts it, showing the case as it is then
        blocks = case_summary(
            reference=case.reference, title=case.title, severity=case.severity,
            status=case.status, mode=case.mode, owner_id=case.owner_id, service=case.service,
            tags=list(case.tags or []), description=case.description or "",
            participants=[p.user_id for p in case.participants if p.left_at is None],
            claim_action=Action.CLAIM_CASE, case_id=case.id, level=case.level,
            alerts=_alerts_of(uow, case))
        return {"channel": case_channel(case), "ts": case.summary_ts, "blocks": blocks,
                "text": f"{case.reference} {escape(case.title)} ({case.severity}, {case.status})"}

    def send(self, message: OutboxMessage, plan: dict[str, Any]) -> dict[str, Any]:
        if plan["ts"]:
            try:
                self.client.chat_update(channel=plan["channel"], ts=plan["ts"], text=plan["text"],
                                        blocks=plan["blocks"])
                return {"ts": plan["ts"]}
            except SlackApiError as error:
                if slack_error(error) in GONE:
                    return {"ts": plan["ts"]}
                if slack_error(error) != "message_not_found":
                    raise
        posted = post_once(self.client, message, channel=plan["channel"], text=plan["text"],
                           blocks=plan["blocks"])
        return {"ts": posted["ts"]}

    def apply(self, message: OutboxMessage, result: dict[str, Any], uow: UnitOfWork) -> None:
        case = case_for(uow, message.case_id)
        if case is not None and result.get("ts"):
            case.summary_ts = result["ts"]


SHOWN_ALERTS = 5  # the newest alerts the summary lists


def _alerts_of(uow: UnitOfWork, case: Case) -> AlertsShown | None:
    total, firing = uow.alerts.counts(case.id)
    if not total:
        return None
    return AlertsShown(total, firing, tuple((a.title, str(a.status))
                                            for a in uow.alerts.latest(case.id, SHOWN_ALERTS)))


def _earlier_first_post(uow: UnitOfWork, message: OutboxMessage) -> bool:
    """An earlier record of this post-once message is still waiting (a 429's Retry-After): it
    has not posted yet, and one case's records are never delivered side by side, so it will
    render the current state when it goes — this one would post a second copy."""
    return uow.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.case_id == message.case_id, OutboxMessage.kind == message.kind,
        OutboxMessage.state == OutboxState.PENDING,
        OutboxMessage.id < message.id).limit(1)) is not None


class PostReview(PostSummary):
    """The review draft: posted once when the case resolves, updated as lessons come in."""

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        case = case_for(uow, message.case_id)
        if case is None:
            return None
        if case.review_ts is None and _earlier_first_post(uow, message):
            return None
        text, blocks = review_blocks(review_for(uow, case))
        return {"channel": case_channel(case), "ts": case.review_ts, "blocks": blocks,
                "text": text}

    def apply(self, message: OutboxMessage, result: dict[str, Any], uow: UnitOfWork) -> None:
        case = case_for(uow, message.case_id)
        if case is not None and result.get("ts"):
            if case.review_ts is None:  # posted now: the channel bookmarks it
                bookmarks.on_review_posted(uow, case)
            case.review_ts = result["ts"]


class Post(Executor):
    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        payload = dict(message.payload)
        payload["text"] = text_of(payload)
        needs_case = not payload.get("channel") or CASE_CHANNEL in payload["text"]
        if needs_case:
            case = case_for(uow, message.case_id)
            if case is None:
                return None
            payload["channel"] = payload.get("channel") or case_channel(case)
            payload["text"] = payload["text"].replace(CASE_CHANNEL, f"<#{case_channel(case)}>")
        return payload

    def send(self, message: OutboxMessage, plan: dict[str, Any]) -> dict[str, Any]:
        try:
            posted = post_once(self.client, message, channel=plan["channel"],
                               text=plan["text"], blocks=plan.get("blocks") or None,
                               thread_ts=plan.get("thread_ts"))
        except SlackApiError as error:
            if slack_error(error) in GONE or slack_error(error) == "not_in_channel":
                raise PermanentFailure(f"cannot post to {plan['channel']}: {slack_error(error)}"
                                       ) from None
            raise
        return {"ts": posted["ts"], "channel": posted["channel"]}


class PostResolution(Post):
    """The resolution message; its ts is kept so the answer can replace the buttons."""

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        case = case_for(uow, message.case_id)
        if case is None or case.status != CaseStatus.RESOLVED:
            return None
        return _resolution_plan(uow, case)

    def apply(self, message: OutboxMessage, result: dict[str, Any], uow: UnitOfWork) -> None:
        case = case_for(uow, message.case_id)
        if case is not None and case.status == CaseStatus.RESOLVED and result.get("ts"):
            case.resolution_ts = result["ts"]


class UpdateResolution(Executor):
    """The resolution message as it is now: confirmed (or archived unconfirmed), no buttons
    left to click."""

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        case = case_for(uow, message.case_id)
        if case is None or case.status != CaseStatus.RESOLVED or not case.resolution_ts:
            return None  # not posted yet: the post shows the answer when it goes
        return {**_resolution_plan(uow, case), "ts": case.resolution_ts}

    def send(self, message: OutboxMessage, plan: dict[str, Any]) -> dict[str, Any]:
        try:
            self.client.chat_update(channel=plan["channel"], ts=plan["ts"], text=plan["text"],
                                    blocks=plan["blocks"])
        except SlackApiError as error:
            if slack_error(error) not in (*GONE, "message_not_found"):
                raise
        return {}


def _resolution_plan(uow: UnitOfWork, case: Case) -> dict[str, Any]:
    duration = (case.resolved_at or case.created_at) - case.created_at
    recorded = uow.timeline.for_case(case.id)
    events = thinned(recorded)
    worded = [(e, line) for e in events if (line := describe(e, translate=_))]
    timeline = [f"{e.at:%Y-%m-%d %H:%M} UTC — {line}" for e, line in worded]
    if left_out := alerts_left_out(recorded):
        last = max((n for n, (e, _line) in enumerate(worded) if e.kind in ALERT_KINDS),
                   default=len(worded) - 1)
        timeline.insert(last + 1, ngettext("…and {n} more alert event",
                                           "…and {n} more alert events", left_out
                                           ).format(n=left_out))
    if not case.asks_confirmation:
        answer = None  # the owner resolved their own case: nobody to ask
    elif case.confirmed_at is not None:
        answer = f":white_check_mark: <@{case.confirmed_by}> confirmed it is resolved."
    elif case.archived_at is not None:
        answer = f"Archived without a confirmation from <@{case.requester_id}>."
    else:
        answer = ""  # still asking
    text, blocks = resolution_message(
        reference=case.reference, owner_id=case.owner_id, duration=human_duration(duration),
        helpers=[u for u in resolvers_of(case, events) if u != case.owner_id],
        summary=case.resolution_summary or "", timeline=timeline,
        confirm_from=case.requester_id if answer == "" else None, answer=answer,
        confirm_action=Action.CONFIRM_RESOLUTION, reopen_action=Action.REOPEN_CASE,
        case_id=case.id, followups=[(f.id, f.owner_id, f.text, f.done_at is not None)
                                    for f in uow.followups.for_case(case.id)])
    return {"channel": case_channel(case), "text": text, "blocks": blocks}


class Ephemeral(Executor):
    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        payload = dict(message.payload)
        payload["text"] = text_of(payload)
        return payload

    def send(self, message: OutboxMessage, plan: dict[str, Any]) -> dict[str, Any]:
        try:
            self.client.chat_postEphemeral(channel=plan["channel"], user=plan["user"],
                                           text=plan["text"], blocks=plan.get("blocks") or None)
        except SlackApiError as error:
            if slack_error(error) in (*GONE, "user_not_in_channel", "not_in_channel"):
                return {"skipped": slack_error(error)}  # a courtesy note; not worth a retry
            if unanswered(error):  # it may have been shown, and cannot be looked up: once
                return {"skipped": f"no clear answer ({error.response.status_code})"}
            raise
        except OSError as error:  # a timeout or lost connection: maybe shown, as above
            return {"skipped": f"no clear answer ({type(error).__name__})"}
        return {}


class WorkflowOffer(Post):
    """A workflow that runs on a click: what it will do, and its Run button."""

    def __init__(self, client: WebClient, policy: Policy) -> None:
        super().__init__(client)
        self.policy = policy

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        case = case_for(uow, message.case_id)
        name = str(message.payload["workflow"])
        workflow = self.policy.workflow(name)
        if case is None or workflow is None:
            return None
        steps = [f"{s.do.replace('_', ' ')}: " + (", ".join(s.users) or s.text or s.url
                                                   or (s.level or "next level"))
                 for s in workflow.steps]
        text, blocks = workflow_offer_message(
            reference=case.reference, name=name, trigger=workflow.when, steps=steps,
            action_id=Action.RUN_WORKFLOW, value=f"{case.id}:{name}")
        return {"channel": case_channel(case), "text": text, "blocks": blocks}

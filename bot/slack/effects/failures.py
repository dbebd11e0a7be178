"""Telling the case owner that an effect could not be delivered (Slack refused it for good)."""

from __future__ import annotations

from typing import Any

from bot.services.effects import Effect
from bot.slack.effects.support import Executor, open_dm, post_once
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork

# What the owner is told could not be done, by the kind of the effect that failed.
WHAT = {
    Effect.CREATE_CHANNEL: "open the case channel",
    Effect.SYNC_MEMBERS: "add the swarm to the case channel",
    Effect.SET_TOPIC: "update the case channel's topic",
    Effect.POST_SUMMARY: "post the case summary",
    Effect.POST: "post a message about the case",
    Effect.POST_RESOLUTION: "post the resolution summary",
    Effect.SEND_INVITE: "send a swarm invite",
    Effect.INVITE_HINTS: "add the answer reactions to an invite",
    Effect.UPDATE_INVITE: "update an invite",
    Effect.EPHEMERAL: "show a message",
    Effect.ARCHIVE_CHANNEL: "archive the case channel",
    Effect.UNARCHIVE_CHANNEL: "reopen the case channel",
    Effect.HAND_OFF: "hand the case off to the next level",
    Effect.APPROVAL_REQUEST: "ask for an approval",
    Effect.UPDATE_APPROVAL: "show an approval's decision",
    Effect.POST_REVIEW: "post the review draft",
    Effect.WORKFLOW_OFFER: "offer a workflow",
    Effect.CASE_FEED: "send an event to the case feed",
}


class DeliveryFailed(Executor):
    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        case = uow.cases.get(int(message.payload["case_id"]))
        if case is None or not case.owner_id:
            return None
        what = WHAT.get(message.payload["kind"], f"deliver a {message.payload['kind']}")
        effect = message.payload["effect_id"]
        text = (f":warning: Swarmbot could not {what} for case {case.reference} "
                f"({case.title}): {message.payload['reason']}. It will not try again by "
                f"itself; an operator can retry it with `swarmbot outbox retry {effect}`.")
        return {"user": case.owner_id, "text": text}

    def send(self, message: OutboxMessage, plan: dict[str, Any]) -> dict[str, Any]:
        channel = open_dm(self.client, plan["user"])
        return post_once(self.client, message, channel=channel, text=plan["text"])

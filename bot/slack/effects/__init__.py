"""Executors that deliver outbox records as Slack Web API calls, one module per surface."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.domain.policy import Policy, load_policy
from bot.services.effects import Effect
from bot.services.outbox import EffectExecutor
from bot.slack.effects.channel import (
    ArchiveChannel, CreateChannel, SetTopic, SyncMembers, UnarchiveChannel)
from bot.slack.effects.escalation import ApprovalRequest, HandOff, UpdateApproval
from bot.slack.effects.groups import SyncUserGroup
from bot.slack.effects.home import PublishHome, SyncProfile
from bot.slack.effects.invites import SendInvite, UpdateInvite
from bot.slack.effects.messages import (
    Ephemeral, Post, PostResolution, PostReview, PostSummary, WorkflowOffer,
)
from bot.slack.effects.support import SlackIdentity


def build_executors(client: WebClient, *, admins: frozenset[str] = frozenset(),
                    policy: Policy | None = None) -> dict[str, EffectExecutor]:
    identity = SlackIdentity(client)
    return {
        Effect.CREATE_CHANNEL: CreateChannel(client, identity),
        Effect.SYNC_MEMBERS: SyncMembers(client),
        Effect.SET_TOPIC: SetTopic(client),
        Effect.POST_SUMMARY: PostSummary(client),
        Effect.POST: Post(client),
        Effect.POST_RESOLUTION: PostResolution(client),
        Effect.SEND_INVITE: SendInvite(client),
        Effect.UPDATE_INVITE: UpdateInvite(client),
        Effect.EPHEMERAL: Ephemeral(client),
        Effect.ARCHIVE_CHANNEL: ArchiveChannel(client),
        Effect.UNARCHIVE_CHANNEL: UnarchiveChannel(client),
        Effect.PUBLISH_HOME: PublishHome(client, managers=admins),
        Effect.HAND_OFF: HandOff(client),
        Effect.APPROVAL_REQUEST: ApprovalRequest(client),
        Effect.UPDATE_APPROVAL: UpdateApproval(client),
        Effect.SYNC_USER_GROUP: SyncUserGroup(client),
        Effect.POST_REVIEW: PostReview(client),
        Effect.SYNC_PROFILE: SyncProfile(client),
        Effect.WORKFLOW_OFFER: WorkflowOffer(client, policy or load_policy()),
    }

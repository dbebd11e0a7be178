"""Executors that deliver outbox records as Slack Web API calls, one module per surface."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery.budget import Budget
from bot.delivery.protocol import EffectExecutor, Later, PermanentFailure
from bot.domain.policy import Policy, load_policy
from bot.i18n import DEFAULT, speaking
from bot.services.effects import Effect
from bot.slack.effects.bookmarks import AddBookmark
from bot.slack.effects.channel import (
    ArchiveChannel,
    CreateChannel,
    RemoveMember,
    SetTopic,
    SyncMembers,
    UnarchiveChannel,
)
from bot.slack.effects.escalation import ApprovalRequest, HandOff, UpdateApproval
from bot.slack.effects.failures import DeliveryFailed
from bot.slack.effects.groups import SyncUserGroup
from bot.slack.effects.home import PublishHome, SyncProfile
from bot.slack.effects.invites import InviteHints, SendInvite, UpdateInvite
from bot.slack.effects.messages import (
    Ephemeral,
    Post,
    PostResolution,
    PostReview,
    PostSummary,
    UpdateResolution,
    WorkflowOffer,
)
from bot.slack.effects.readers import Worded, reader_language
from bot.slack.effects.support import SlackIdentity
from bot.slack.gateway import final_answer, retry_after, without_rate_limit_waits
from bot.slack.limits import BudgetedClient, one_effect
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork


def build_executors(client: WebClient, *, admins: frozenset[str] = frozenset(),
                    policy: Policy | None = None, budget: Budget | None = None,
                    language: str = DEFAULT) -> dict[str, EffectExecutor]:
    """`budget`: every call first spends Slack's rate limit from it (`limits.BudgetedClient`).
    `language`: what channels read (SWARMBOT_LANGUAGE); a person's own messages follow their
    Slack locale (`readers.reader_language`)."""
    client = without_rate_limit_waits(client)
    if budget is not None:
        client = BudgetedClient(client, budget)
    identity = SlackIdentity(client)
    executors: dict[str, EffectExecutor] = {
        Effect.CREATE_CHANNEL: CreateChannel(client, identity),
        Effect.SYNC_MEMBERS: SyncMembers(client),
        Effect.REMOVE_MEMBER: RemoveMember(client),
        Effect.SET_TOPIC: SetTopic(client),
        Effect.POST_SUMMARY: PostSummary(client),
        Effect.POST: Post(client),
        Effect.POST_RESOLUTION: PostResolution(client),
        Effect.UPDATE_RESOLUTION: UpdateResolution(client),
        Effect.SEND_INVITE: SendInvite(client),
        Effect.INVITE_HINTS: InviteHints(client),
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
        Effect.DELIVERY_FAILED: DeliveryFailed(client),
        Effect.ADD_BOOKMARK: AddBookmark(client),
    }
    return {kind: ReadsSlacksAnswer(executor, kind=kind, language=language)
            for kind, executor in executors.items()}


class ReadsSlacksAnswer:
    """An executor whose Slack errors say what to do next: a 429 (Slack's rate limits)
    becomes `Later` — the effect waits out Retry-After in the outbox, not in a worker's
    sleep; a final answer (`channel_not_found`, `invalid_auth`…) becomes `PermanentFailure`;
    anything else (5xx, `internal_error`, a timeout…) is transient and tried again.

    The words are made in the reader's language: the person a direct message, an ephemeral
    note or an App Home is for, else the channel's (`readers.reader_language`)."""

    def __init__(self, executor: EffectExecutor, *, kind: str = "",
                 language: str = DEFAULT) -> None:
        self.executor = executor
        self.kind = kind
        self.language = language

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> Any | None:
        language = reader_language(self.kind, message, uow, self.language)
        with speaking(language):
            prepared = self.executor.prepare(message, uow)
        return prepared if prepared is None else Worded(prepared, language)

    def send(self, message: OutboxMessage, prepared: Any) -> dict[str, Any]:
        language = self.language
        if isinstance(prepared, Worded):
            prepared, language = prepared.plan, prepared.language
        try:
            with one_effect(), speaking(language):
                return self.executor.send(message, prepared)
        except SlackApiError as error:
            seconds = retry_after(error)
            if seconds is not None:
                raise Later(seconds) from None
            code = final_answer(error)
            if code is None:
                raise
            raise PermanentFailure(f"Slack answered {code} ({_method(error)})") from None

    def apply(self, message: OutboxMessage, result: dict[str, Any], uow: UnitOfWork) -> None:
        self.executor.apply(message, result, uow)


def _method(error: SlackApiError) -> str:
    url = str(getattr(getattr(error, "response", None), "api_url", "") or "")
    return url.rstrip("/").rsplit("/", 1)[-1] or "a Web API call"

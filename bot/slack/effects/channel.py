"""The case channel: create (name clashes handled), members, topic, archive."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery.protocol import PermanentFailure
from bot.domain.case import channel_name
from bot.domain.mrkdwn import plain
from bot.domain.privacy import title_for
from bot.domain.states import CaseStatus, TimelineKind
from bot.domain.timeline import describe
from bot.i18n import _
from bot.services import effects
from bot.slack.blocks import case_topic
from bot.slack.effects.support import Executor, SlackIdentity, case_channel, case_for, slack_error
from models.case import Case
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork

log = logging.getLogger(__name__)
MAX_NAME_TRIES = 20
FINE_NOT_TO_INVITE = ("already_in_channel", "cant_invite_self", "user_not_found", "user_is_bot",
                      "cant_invite")


@dataclass(frozen=True)
class ChannelPlan:
    case_id: int
    title: str
    is_private: bool
    created_at: float
    members: tuple[str, ...]  # the swarm so far (the owner): invited as the channel opens


class CreateChannel:
    def __init__(self, client: WebClient, identity: SlackIdentity) -> None:
        self.client, self.identity = client, identity

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> ChannelPlan | None:
        case = case_for(uow, message.case_id)
        if case is None or case.channel_id:
            return None
        # A channel's name is shown beyond its members (links, mentions, the channel
        # browser's "private channel"): a private case's is named as outsiders see the case.
        return ChannelPlan(case.id, title_for(case, None), case.is_private,
                           case.created_at.timestamp(),
                           tuple(members(case)))

    def send(self, message: OutboxMessage, plan: ChannelPlan) -> dict[str, Any]:
        """Create the channel and invite the swarm so far into it. The members' invite is one
        call more here rather than an effect of its own (a claim and a record fewer for every
        case); if it fails, the channel is recorded anyway and the members are synced later."""
        channel = self._create(plan)
        try:
            invite_members(self.client, channel["channel_id"], list(plan.members))
        except Exception:  # noqa: BLE001 — any failure: SyncMembers tries again, with backoff
            invited = False
        else:
            invited = True
        self._set_purpose(channel["channel_id"], plan.title)
        return {**channel, "members_invited": invited}

    def _set_purpose(self, channel: str, title: str) -> None:
        """The channel's purpose is the case's title (a name keeps only part of it, and
        the channel browser shows the purpose); 250 characters at most
        (https://docs.slack.dev/reference/methods/conversations.setPurpose). A failure does
        not undo the channel: the topic, set next, carries the title too."""
        try:
            self.client.conversations_setPurpose(channel=channel, purpose=plain(title)[:250])
        except Exception:  # noqa: BLE001 — cosmetic: the channel and its members come first
            log.warning("could not set the purpose of %s", channel, exc_info=True)

    def _create(self, plan: ChannelPlan) -> dict[str, str]:
        romanised = False
        attempt = 0
        while attempt < MAX_NAME_TRIES:
            name = channel_name(plan.case_id, plan.title, suffix=attempt, romanised=romanised)
            try:
                channel = self.client.conversations_create(name=name, is_private=plan.is_private)
                return {"channel_id": channel["channel"]["id"], "name": channel["channel"]["name"]}
            except SlackApiError as error:
                if slack_error(error) == "invalid_name_specials" and not romanised \
                        and not name.isascii():
                    romanised = True  # a workspace that takes ASCII names only: romaji
                    continue
                if slack_error(error) != "name_taken":
                    raise
            attempt += 1
            adopted = self._our_earlier_channel(name, plan)
            if adopted:
                return {"channel_id": adopted, "name": name}
        raise PermanentFailure(f"no free channel name for case {plan.case_id}")

    def _our_earlier_channel(self, name: str, plan: ChannelPlan) -> str | None:
        """A crash after conversations.create but before we stored its id leaves a channel
        we made for this very case; find and reuse it rather than open a second one."""
        types = "private_channel" if plan.is_private else "public_channel"
        cursor = None
        while True:
            page = self.client.conversations_list(types=types, exclude_archived=True,
                                                  limit=200, cursor=cursor)
            for channel in page["channels"]:
                if (channel.get("name") == name
                        and channel.get("creator") == self.identity.bot_user_id
                        and float(channel.get("created", 0)) >= plan.created_at - 60):
                    return str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    def apply(self, message: OutboxMessage, result: dict[str, Any], uow: UnitOfWork) -> None:
        case = case_for(uow, message.case_id)
        if case is None or not result:
            return
        case.channel_id, case.channel_name = result["channel_id"], result["name"]
        uow.timeline.record(case.id, TimelineKind.CHANNEL_CREATED,
                            f"Channel #{result['name']} created",
                            channel=result["channel_id"])
        uow.outbox.wake_case(case.id)  # what waited for the channel goes now
        if not result.get("members_invited", False):
            effects.sync_members(uow, case)
        effects.refresh_topic(uow, case)
        effects.post_summary(uow, case)
        notify_in = message.payload.get("notify_in")
        if case.owner_id and notify_in:
            effects.ephemeral(uow, user=case.owner_id, channel=notify_in,
                              text=f"Case {case.reference} is open in <#{case.channel_id}>; you "
                                   "own it. Post updates there with `/swarm status …` and close "
                                   "it with `/swarm resolve …`.")


class SyncMembers(Executor):
    """Everyone in the swarm is in the channel (already there is fine)."""

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> tuple[str, list[str]] | None:
        case = case_for(uow, message.case_id)
        if case is None:
            return None
        return case_channel(case), members(case)

    def send(self, message: OutboxMessage, plan: tuple[str, list[str]]) -> dict[str, Any]:
        channel, people = plan
        return {"invited": invite_members(self.client, channel, people)}


class RemoveMember(Executor):
    """Someone who left the swarm leaves the case channel — unless they are back in it."""

    GONE_ALREADY = ("not_in_channel", "user_not_found", "channel_not_found", "is_archived",
                    "cant_kick_self", "cant_kick_from_general")

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> tuple[str, str] | None:
        case = case_for(uow, message.case_id)
        user = message.payload["user"]
        if case is None or user in members(case):
            return None
        return case_channel(case), user

    def send(self, message: OutboxMessage, plan: tuple[str, str]) -> dict[str, Any]:
        channel, user = plan
        try:
            self.client.conversations_kick(channel=channel, user=user)
        except SlackApiError as error:
            if slack_error(error) not in self.GONE_ALREADY:
                raise
        return {}


def members(case: Case) -> list[str]:
    """Everyone in the swarm now."""
    return [p.user_id for p in case.participants if p.left_at is None]


def invite_members(client: WebClient, channel: str, people: list[str]) -> list[str]:
    """One conversations.invite for everyone (its rate limit is 50 calls a minute): `force`
    invites the valid ones and lists the rest (already there, left the workspace) in
    `errors`, which must not block the others. Returns who was invited."""
    if not people:
        return []
    try:
        answer = client.conversations_invite(channel=channel, users=",".join(people), force=True)
        skipped = {e.get("user") for e in answer.get("errors") or []}
    except SlackApiError as error:
        if slack_error(error) not in FINE_NOT_TO_INVITE:
            raise
        skipped = set(people)  # one person, already there (or gone)
    return [user for user in people if user not in skipped]


class SetTopic(Executor):
    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> tuple[str, str] | None:
        case = case_for(uow, message.case_id)
        if case is None:
            return None
        events = uow.timeline.for_case(case.id)
        note = next((describe(e, translate=_) for e in reversed(events)
                     if e.kind == TimelineKind.TOPIC_NOTE), "")
        call = next((e.text for e in reversed(events) if e.kind == TimelineKind.CALL_LINK), "")
        owner = uow.experts.get(case.owner_id) if case.owner_id else None
        topic = case_topic(title=title_for(case, None), reference=case.reference,
                           severity=case.severity,
                           owner_id=case.owner_id, status=case.status, mode=case.mode,
                           level=case.level, note=note, call=call,
                           owner_handle=owner.handle if owner is not None else None)
        return case_channel(case), topic

    def send(self, message: OutboxMessage, plan: tuple[str, str]) -> dict[str, Any]:
        channel, topic = plan
        try:
            self.client.conversations_setTopic(channel=channel, topic=topic)
        except SlackApiError as error:
            if slack_error(error) != "is_archived":
                raise
        return {}


class ArchiveChannel(Executor):
    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> str | None:
        case = case_for(uow, message.case_id)
        if case is None or case.status != CaseStatus.RESOLVED or not case.channel_id:
            return None
        return case.channel_id

    def send(self, message: OutboxMessage, channel: str) -> dict[str, Any]:
        try:
            self.client.conversations_archive(channel=channel)
        except SlackApiError as error:
            if slack_error(error) not in ("already_archived", "channel_not_found"):
                raise
        return {}


class UnarchiveChannel(ArchiveChannel):
    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> str | None:
        case = case_for(uow, message.case_id)
        if case is None or case.status == CaseStatus.RESOLVED or not case.channel_id:
            return None
        return case.channel_id

    def send(self, message: OutboxMessage, channel: str) -> dict[str, Any]:
        try:
            self.client.conversations_unarchive(channel=channel)
        except SlackApiError as error:
            if slack_error(error) != "not_archived":
                raise
        return {}

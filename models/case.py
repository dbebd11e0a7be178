"""A case and what hangs off it: participants, invites, timeline, status updates, levels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.domain.states import (
    ApprovalState,
    CaseMode,
    CaseStatus,
    EscalationTrigger,
    InviteState,
    ParticipantRole,
    TimelineKind,
)
from models.base import Base, stored, utcnow


class Case(Base):
    """An incident or ticket. `owner_id` is the case owner, who keeps it to the end."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("source", "external_id"),
                      # one case per Slack message, however many open it at once
                      UniqueConstraint("source_channel_id", "source_ts",
                                       name="uq_cases_source_message"))

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    service: Mapped[str] = mapped_column(String(80), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[CaseStatus] = mapped_column(stored(CaseStatus, name="status", length=16),
                                               default=CaseStatus.OPEN, index=True)
    mode: Mapped[CaseMode] = mapped_column(stored(CaseMode, name="mode", length=8),
                                           default=CaseMode.SWARM)
    level: Mapped[str | None] = mapped_column(String(16), default=None)  # tiered: L1..Executive
    is_private: Mapped[bool] = mapped_column(default=False)
    owner_id: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    requester_id: Mapped[str | None] = mapped_column(String(32), default=None)
    channel_id: Mapped[str | None] = mapped_column(String(32), unique=True, default=None)
    channel_name: Mapped[str | None] = mapped_column(String(80), default=None)
    summary_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    review_ts: Mapped[str | None] = mapped_column(String(32), default=None)  # the review draft
    source: Mapped[str] = mapped_column(String(32), default="slack")
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    # The ticket or incident in the sending tool (a webhook's `url`): a channel bookmark.
    source_url: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    archived_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution_summary: Mapped[str | None] = mapped_column(Text, default=None)
    # The resolution message (its buttons go once answered) and the requester's confirmation.
    resolution_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    confirmed_by: Mapped[str | None] = mapped_column(String(32), default=None)
    # The Slack message the case was opened from (message shortcut, intake reaction): the
    # bot answers in its thread when the case opens and when it resolves.
    source_channel_id: Mapped[str | None] = mapped_column(String(32), default=None)
    source_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    source_thread_ts: Mapped[str | None] = mapped_column(String(32), default=None)

    participants: Mapped[list[Participant]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Participant.id"
    )
    invites: Mapped[list[Invite]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Invite.id"
    )

    @property
    def reference(self) -> str:
        return f"#{self.id:04d}"

    @property
    def asks_confirmation(self) -> bool:
        """The case is for someone other than its owner: they confirm the fix."""
        return self.requester_id is not None and self.requester_id != self.owner_id

    @property
    def confirmation_pending(self) -> bool:
        return (self.status == CaseStatus.RESOLVED and self.asks_confirmation
                and self.confirmed_at is None)


class Participant(Base):
    """Someone working on a case: its owner, an expert or a responder."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("case_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    role: Mapped[ParticipantRole] = mapped_column(stored(ParticipantRole, name="role", length=16))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(default=None)

    case: Mapped[Case] = relationship(back_populates="participants")


class Invite(Base):
    """A swarm invite sent to a recommended expert; answered by an emoji reaction."""

    __tablename__ = "invites"
    __table_args__ = (
        UniqueConstraint("case_id", "expert_id"),
        UniqueConstraint("dm_channel", "message_ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    expert_id: Mapped[str] = mapped_column(String(32), index=True)
    invited_by: Mapped[str | None] = mapped_column(String(32), default=None)
    state: Mapped[InviteState] = mapped_column(stored(InviteState, name="state", length=16),
                                               default=InviteState.PENDING, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[float | None] = mapped_column(default=None)
    dm_channel: Mapped[str | None] = mapped_column(String(32), default=None)
    message_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)

    case: Mapped[Case] = relationship(back_populates="invites")


class TimelineEvent(Base):
    """Append-only record of everything that happened to a case."""

    __tablename__ = "timeline_events"
    __table_args__ = (Index("ix_timeline_events_case_at", "case_id", "at"),
                      UniqueConstraint("case_id", "seq"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[TimelineKind] = mapped_column(stored(TimelineKind, name="kind", length=32))
    actor: Mapped[str | None] = mapped_column(String(32), default=None)
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The audit chain (models/audit.py): position in the case's timeline, the previous
    # event's hash and this event's. (case_id, seq) is unique, so the chain cannot fork.
    seq: Mapped[int] = mapped_column(default=0)
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")


class StatusUpdate(Base):
    __tablename__ = "status_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(default=utcnow)


class LevelChange(Base):
    """Escalation level history of a tiered case (and switches between swarm and tiered)."""

    __tablename__ = "level_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    from_level: Mapped[str | None] = mapped_column(String(16), default=None)
    to_level: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[EscalationTrigger] = mapped_column(stored(EscalationTrigger, name="trigger",
                                                              length=16))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str | None] = mapped_column(String(32), default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # Someone at `to_level` took the case: the response SLA of this stint is met.
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by: Mapped[str | None] = mapped_column(String(32), default=None)


class Approval(Base):
    """A request to approve something (a policy exception, a credit…) sent to the lowest
    level whose authority covers it; decided by someone at that level or above."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(String(32))
    state: Mapped[ApprovalState] = mapped_column(stored(ApprovalState, name="state", length=12),
                                                 default=ApprovalState.PENDING)
    decided_by: Mapped[str | None] = mapped_column(String(32), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FollowUp(Base):
    """An action item from a case, owned by someone, reminded until done."""

    __tablename__ = "followups"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    done_by: Mapped[str | None] = mapped_column(String(32), default=None)


class Declaration(Base):
    """The last case a person declared under a title: the row a declaration locks (SELECT …
    FOR UPDATE) before it decides whether it repeats a case opened moments ago, so that two
    identical `/swarm new` at once — in any processes — open one case."""

    __tablename__ = "declarations"

    owner_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(200), primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), default=None)
    declared_at: Mapped[datetime | None] = mapped_column(default=None)


class EarlyAnswer(Base):
    """A reaction to a bot DM whose `ts` the bot had not recorded yet (the expert answered an
    invite the moment it appeared, before its delivery was recorded): kept, and applied to
    the invite once its ts is recorded."""

    __tablename__ = "early_answers"
    __table_args__ = (Index("ix_early_answers_message", "dm_channel", "message_ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dm_channel: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    accepted: Mapped[bool]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

"""Durable work: timers that fire later and Slack side effects waiting to be delivered."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, stored, utcnow


class TimerKind(StrEnum):
    """What a timer does when it fires (bot/services/timers.py has one handler per kind)."""

    STATUS_REMINDER = "status_reminder"
    INVITE_EXPIRY = "invite_expiry"
    INVITE_RELEASE = "invite_release"
    ARCHIVE_CHANNEL = "archive_channel"
    SLA = "sla"
    FOLLOWUP_REMINDER = "followup_reminder"
    WORKFLOW_NO_UPDATE = "workflow_no_update"


class TimerState(StrEnum):
    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"


class OutboxState(StrEnum):
    PENDING = "pending"  # waiting to be delivered (again)
    DONE = "done"
    FAILED = "failed"  # given up: `swarmbot outbox retry` sends it again


class Timer(Base):
    """Something to do at `due_at` (status reminder, SLA trigger, invite expiry...).

    `key` is a natural key (e.g. ``invite-expiry:42``) so scheduling twice is harmless; a
    timer is claimed by one process at a time (`claimed_by`/`claimed_until`) and marked
    `fired_at` in the same transaction as the work it does, so it never fires twice. A
    handler that fails counts an `attempts` and keeps its `last_error`; the timer is tried
    again after a backoff (its lease is extended), the other timers fire meanwhile."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[TimerKind] = mapped_column(stored(TimerKind, name="kind", length=32))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), default=None, index=True
    )
    due_at: Mapped[datetime]
    state: Mapped[TimerState] = mapped_column(stored(TimerState, name="state", length=12),
                                              default=TimerState.PENDING)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    fired_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class OutboxMessage(Base):
    """A Slack side effect recorded with the state change that implies it (outbox pattern),
    delivered after commit by `bot.delivery`. The columns that steer delivery are named as in
    procrastinate's jobs table:

    - `dedupe_key`: the intent is recorded once, ever (a retried request records nothing).
    - `queueing_lock`: at most one effect with this lock waits to be delivered; recording
      another meanwhile is a no-op (a refresh rendered at delivery time coalesces). Cleared
      when its delivery starts, so a later change gets a refresh of its own.
    - `lock`: effects sharing a lock (a case's: ``case:<id>``) are delivered one at a time,
      in the order recorded.
    - `priority` (lower first) and `scheduled_at` (not before) order the due effects.
    - `waits_for`: the rate-limit budget (`SlackBudget.key`) its last attempt found spent;
      claims leave it alone until that budget has room again (other effects keep flowing)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "state", "scheduled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True, default=None)
    queueing_lock: Mapped[str | None] = mapped_column(String(160), unique=True, default=None)
    lock: Mapped[str | None] = mapped_column(String(160), default=None, index=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), default=None, index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(default=1)  # 0 goes first (channel, invites)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[OutboxState] = mapped_column(stored(OutboxState, name="state", length=12),
                                               default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    scheduled_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    waits_for: Mapped[str | None] = mapped_column(String(120), default=None)


class SlackBudget(Base):
    """One Slack rate limit, shared by every process of the bot: a Web API method's (or one
    channel's, for chat.postMessage). Spent by `bot.delivery.budget.Budget` as a sliding
    window: `calls` holds the times (epoch seconds) of the calls made in the last window, and
    a call may go while fewer than `allowed` were made in it (and `held_until`, Slack's last
    Retry-After, has passed); `next_at` is when the next may go. `allowed` starts at the
    documented limit, is learned down when Slack answers 429 anyway and creeps back up from
    `learned_at` on."""

    __tablename__ = "slack_budgets"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    allowed: Mapped[float] = mapped_column(Float)
    calls: Mapped[list[float]] = mapped_column(JSON, default=list)
    next_at: Mapped[datetime] = mapped_column(index=True)
    held_until: Mapped[datetime | None] = mapped_column(default=None)
    learned_at: Mapped[datetime | None] = mapped_column(default=None)

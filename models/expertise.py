"""Experts as the bot knows them, and the resolution history the recommender learns from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

SWARMBOT_ORIGIN = "swarmbot"  # the origin of the history rows of cases swarmbot resolved


class Expert(Base):
    """A Slack user with declared skills and availability."""

    __tablename__ = "experts"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    handle: Mapped[str | None] = mapped_column(String(80), unique=True, default=None)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    away: Mapped[bool] = mapped_column(default=False)
    tz: Mapped[str | None] = mapped_column(String(64), default=None)
    # Slack's locale of the person (`ja-JP`), from users.info include_locale: the language of
    # what only they see. None until Slack said.
    locale: Mapped[str | None] = mapped_column(String(16), default=None)
    work_start_hour: Mapped[int] = mapped_column(default=9)
    work_end_hour: Mapped[int] = mapped_column(default=18)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class UserGroupMember(Base):
    """Who is in a Slack user group that responds at a level, as Slack last told the bot
    (usergroups.users.list, then subteam_members_changed / subteam_updated events)."""

    __tablename__ = "user_group_members"

    group_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)


class UserGroupSync(Base):
    """When a user group's members were last read in full; a group never read is unknown."""

    __tablename__ = "user_group_syncs"

    group_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    synced_at: Mapped[datetime]


class ResolutionRecord(Base):
    """One resolved case: imported history or a case swarmbot itself resolved."""

    __tablename__ = "resolution_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    history_id: Mapped[str] = mapped_column(String(200), unique=True)
    origin: Mapped[str] = mapped_column(String(200))  # import file name, or "swarmbot"
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    service: Mapped[str] = mapped_column(String(120), default="")
    severity: Mapped[str] = mapped_column(String(16), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    owner: Mapped[str] = mapped_column(String(64), default="")
    resolvers: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedRequest(Base):
    """A signed Slack request already handled, by a hash of its signature (which covers its
    timestamp and body): the same bytes sent again are not handled twice. Kept while Slack's
    5-minute window would still accept its timestamp (`seen_until`), then forgotten."""

    __tablename__ = "processed_requests"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_until: Mapped[datetime] = mapped_column(index=True)


class ProcessedEvent(Base):
    """Slack event ids (and other request keys) already handled: retries are dropped."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

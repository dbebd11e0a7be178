"""Alerts from monitoring tools, grouped into cases: one case per group key while it is open."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain.states import AlertStatus
from models.base import Base, stored, utcnow


class AlertGroup(Base):
    """The open case of a (source, group key): the row an alert locks (SELECT … FOR UPDATE)
    before it decides whether to open a case or attach to the one there, so that alerts of
    one group at once — in any web process — open one case."""

    __tablename__ = "alert_groups"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    group_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), default=None)


class Alert(Base):
    """One alert (a tool's alert id: Alertmanager's fingerprint and start, PagerDuty's
    incident) attached to a case: delivered again, it is the same row; resolved, it says so."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("source", "external_id"),
                      Index("ix_alerts_case", "case_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(200))
    group_key: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500), default=None)
    status: Mapped[AlertStatus] = mapped_column(stored(AlertStatus, name="status", length=12),
                                                default=AlertStatus.FIRING)
    description: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)

"""Changing a case's mode ends what belonged to the old one: a swarm lowered to the levels
sends no more invites (pending and held ones are withdrawn, their timers cancelled); a tiered
case raised to a swarm has no SLA clock left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.domain.case import parse_declaration
from bot.services import cases
from bot.services.context import ServiceContext
from bot.services.expertise import register_expert
from bot.services.timers import fire_due_timers
from models import Invite, OutboxMessage, TimelineEvent, Timer
from tests.integration.conftest import Clock
from tests.integration.declaring import declare

TOKYO = "Asia/Tokyo"  # 19:00 there when the test clock says Tuesday 10:00 UTC


def _invites(services: ServiceContext) -> dict[str, str]:
    with services.uow() as uow:
        return {i.expert_id: i.state for i in uow.session.scalars(select(Invite))}


def _sent_invites(services: ServiceContext) -> int:
    with services.uow() as uow:
        return len(uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "send_invite")).all())


def _pending_timers(services: ServiceContext, *kinds: str) -> list[str]:
    with services.uow() as uow:
        return [t.kind for t in uow.session.scalars(select(Timer).where(
            Timer.state == "pending", Timer.kind.in_(kinds)))]


def _declare(services: ServiceContext, text: str) -> int:
    case_id = declare(services, owner_id="UOWNER",
                                 draft=parse_declaration(text)).case_id
    with services.uow() as uow:
        uow.cases.get(case_id).channel_id = "CCASE"
        uow.commit()
    return case_id


def test_a_swarm_lowered_to_the_levels_sends_and_replaces_no_more_invites(
        services: ServiceContext, clock: Clock) -> None:
    for user in ("UEXP1", "UEXP2", "UEXP3", "UEXP4", "UEXP5"):
        register_expert(services, user_id=user, tz=TOKYO)
    register_expert(services, user_id="UEXP6", tz="Europe/London")
    _declare(services, "Slow API sev2")
    assert _invites(services) == {"UEXP6": "pending", "UEXP1": "held", "UEXP2": "held"}
    cases.change_severity(services, channel_id="CCASE", actor="UOWNER", severity_text="sev4")
    assert _invites(services) == {"UEXP6": "cancelled", "UEXP1": "cancelled",
                                  "UEXP2": "cancelled"}
    assert _pending_timers(services, "invite_expiry", "invite_release") == []
    with services.uow() as uow:  # the expert who had the DM sees it withdrawn
        updates = uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "update_invite")).all()
        assert len(updates) == 3
    for day in range(1, 4):  # expiry, then the Tokyo morning, then days later: nothing
        clock.now = datetime(2026, 11, 17, 10, tzinfo=UTC) + timedelta(days=day)
        fire_due_timers(services)
    assert set(_invites(services).values()) == {"cancelled"}
    assert _sent_invites(services) == 1  # only the one sent while it was a swarm


def test_a_tiered_case_raised_to_a_swarm_has_no_sla_clock_left(
        services: ServiceContext, clock: Clock) -> None:
    case_id = _declare(services, "Export stuck sev4")
    assert _pending_timers(services, "sla")
    cases.change_severity(services, channel_id="CCASE", actor="UOWNER", severity_text="sev1")
    assert _pending_timers(services, "sla") == []
    clock.advance(days=5)
    fire_due_timers(services)
    with services.uow() as uow:
        kinds = set(uow.session.scalars(select(TimelineEvent.kind).where(
            TimelineEvent.case_id == case_id)))
    assert not kinds & {"sla_warning", "sla_breached", "escalated"}

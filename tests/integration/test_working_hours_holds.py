"""Invites and reminders to people outside their working hours wait for their working day
(unless the case is sev1), and go out when it begins."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.domain.case import parse_declaration
from bot.services.context import ServiceContext
from bot.services.expertise import register_expert
from bot.services.timers import fire_due_timers
from bot.slack.notes import text_of
from models import Invite, OutboxMessage
from tests.integration.conftest import Clock
from tests.integration.declaring import declare

TOKYO = "Asia/Tokyo"  # 19:00 there when the test clock says Tuesday 10:00 UTC


def _people(services: ServiceContext, *, off_hours: list[str], working: list[str]) -> None:
    for user in off_hours:
        register_expert(services, user_id=user, tz=TOKYO)
    for user in working:
        register_expert(services, user_id=user, tz="Europe/London")


def _invites(services: ServiceContext) -> dict[str, str]:
    with services.uow() as uow:
        return {i.expert_id: i.state for i in uow.session.scalars(select(Invite))}


def _sent_invites(services: ServiceContext) -> int:
    with services.uow() as uow:
        return len(uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "send_invite")).all())


def test_a_sev2_holds_invites_for_experts_off_hours_until_their_day_begins(
        services: ServiceContext, clock: Clock) -> None:
    _people(services, off_hours=["UEXP1", "UEXP2", "UEXP3", "UEXP4", "UEXP5"],
            working=["UEXP6"])
    declare(services, owner_id="UOWNER", draft=parse_declaration("Slow API sev2"))
    assert _invites(services) == {"UEXP6": "pending", "UEXP1": "held", "UEXP2": "held"}
    assert _sent_invites(services) == 1
    clock.now = datetime(2026, 11, 17, 23, 59, tzinfo=UTC)  # UEXP6 never answered
    fire_due_timers(services)
    assert _invites(services) == {"UEXP6": "expired", "UEXP1": "held", "UEXP2": "held",
                                  "UEXP3": "held"}  # the next expert waits for the morning too
    assert _sent_invites(services) == 1
    clock.now = datetime(2026, 11, 18, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
    fire_due_timers(services)
    assert _invites(services) == {"UEXP6": "expired", "UEXP1": "pending", "UEXP2": "pending",
                                  "UEXP3": "pending"}
    assert _sent_invites(services) == 4


def test_a_sev1_invites_everyone_now(services: ServiceContext) -> None:
    _people(services, off_hours=["UEXP1", "UEXP2", "UEXP3"], working=[])
    declare(services, owner_id="UOWNER", draft=parse_declaration("Site down sev1"))
    assert _invites(services) == {"UEXP1": "pending", "UEXP2": "pending", "UEXP3": "pending"}


def test_a_resolved_case_never_sends_its_held_invites(services: ServiceContext,
                                                      clock: Clock) -> None:
    from bot.services import resolution

    _people(services, off_hours=["UEXP1", "UEXP2", "UEXP3", "UEXP4", "UEXP5", "UEXP6"],
            working=[])
    case_id = declare(services, owner_id="UOWNER",
                                 draft=parse_declaration("Cron missed sev2")).case_id
    with services.uow() as uow:
        uow.cases.get(case_id).channel_id = "CCASE"
        uow.commit()
    resolution.resolve_case(services, channel_id="CCASE", actor="UOWNER", summary="Re-ran")
    clock.now = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)
    fire_due_timers(services)
    assert set(_invites(services).values()) == {"cancelled"} and _sent_invites(services) == 0


def test_a_status_reminder_waits_for_the_owners_working_day(services: ServiceContext,
                                                            clock: Clock) -> None:
    register_expert(services, user_id="UOWNER", tz=TOKYO)
    case_id = declare(services, owner_id="UOWNER",
                                 draft=parse_declaration("Queue lag sev2")).case_id
    with services.uow() as uow:
        uow.cases.get(case_id).channel_id = "CCASE"
        uow.commit()
    clock.advance(minutes=31)  # sev2 cadence is 30 min, but it is 19:31 in Tokyo
    fire_due_timers(services)
    assert _reminders(services) == 0
    clock.now = datetime(2026, 11, 18, 0, 0, tzinfo=UTC)
    fire_due_timers(services)
    assert _reminders(services) == 1


def _reminders(services: ServiceContext) -> int:
    with services.uow() as uow:
        return sum("time for a status update" in text_of(m.payload) for m in
                   uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "post")))

# ruff: noqa: F811  (the fixtures imported from test_escalation are parameters here)
"""Tiered SLA timers on a business-hours calendar, on a real database with a fast clock:
the clock only runs inside opening hours, skips holidays, and sev1/2 swarms stay 24x7."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.domain.policy import policy_from
from bot.services.context import ServiceContext
from bot.services.timers import fire_due_timers
from tests.integration.conftest import Clock
from tests.integration.test_escalation import (  # noqa: F401  (fixtures)
    POLICY,
    _declare,
    _events,
    _stints,
    policy,
    services,
)

OFFICE = {"zone": "UTC", "hours": {d: "09:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")}}


def _on_office(services: ServiceContext, **calendar: object) -> ServiceContext:
    levels = dict(POLICY["levels"])  # type: ignore[call-overload]
    levels["L1"] = {"response": "1h", "resolution": "4h", "responders": ["UAGENTL1"],
                    "calendar": "office"}
    return replace(services, policy=policy_from(
        {**POLICY, "levels": levels, "calendars": {"office": {**OFFICE, **calendar}}}))


def _at(clock: Clock, when: datetime) -> None:
    clock.now = when


def test_a_friday_evening_ticket_breaches_on_monday_morning_business_minute(
        services: ServiceContext, clock: Clock) -> None:
    services = _on_office(services)
    _at(clock, datetime(2026, 11, 20, 17, 30, tzinfo=UTC))  # Friday 17:30
    case_id = _declare(services, "Invoice PDF missing sev4")
    # 30 min on Friday + 30 min on Monday: warned at 80 % (Mon 09:18), escalated Mon 09:30
    _at(clock, datetime(2026, 11, 23, 9, 17, 59, tzinfo=UTC))
    fire_due_timers(services)
    assert _events(services, case_id, "sla_warning") == []
    assert _stints(services, case_id) == [(None, "L1", "declared")]
    _at(clock, datetime(2026, 11, 23, 9, 18, tzinfo=UTC))
    fire_due_timers(services)
    assert _events(services, case_id, "sla_warning") == [
        "L1 response SLA: 12 min left without acknowledgement"]
    _at(clock, datetime(2026, 11, 23, 9, 29, 59, tzinfo=UTC))
    fire_due_timers(services)
    assert _stints(services, case_id) == [(None, "L1", "declared")]
    _at(clock, datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    fire_due_timers(services)
    assert _stints(services, case_id) == [(None, "L1", "declared"), ("L1", "L2", "time")]


def test_a_holiday_does_not_count(services: ServiceContext, clock: Clock) -> None:
    services = _on_office(services, holidays=["2026-11-23"])
    _at(clock, datetime(2026, 11, 20, 17, 30, tzinfo=UTC))
    case_id = _declare(services, "Invoice PDF missing sev4")
    _at(clock, datetime(2026, 11, 24, 9, 29, tzinfo=UTC))  # Monday was a holiday
    fire_due_timers(services)
    assert _stints(services, case_id) == [(None, "L1", "declared")]
    _at(clock, datetime(2026, 11, 24, 9, 30, tzinfo=UTC))
    fire_due_timers(services)
    assert _stints(services, case_id) == [(None, "L1", "declared"), ("L1", "L2", "time")]


def test_a_path_calendar_applies_to_its_cases_only(services: ServiceContext,
                                                   clock: Clock) -> None:
    paths = [{"name": "security", "tags": ["security"], "levels": ["L1", "L3", "L4", "Executive"],
              "calendar": "office"}]
    services = replace(services, policy=policy_from(
        {**POLICY, "paths": paths, "calendars": {"office": OFFICE}}))
    _at(clock, datetime(2026, 11, 20, 17, 50, tzinfo=UTC))  # Friday 17:50, L1 response 15 min
    on_path = _declare(services, "Odd admin logins sev4 #security")
    elsewhere = _declare(services, "Invoice PDF missing sev4")
    _at(clock, datetime(2026, 11, 20, 18, 5, tzinfo=UTC))
    fire_due_timers(services)
    assert _stints(services, elsewhere)[-1] == ("L1", "L2", "time")  # 24x7
    assert _stints(services, on_path) == [(None, "L1", "declared")]
    _at(clock, datetime(2026, 11, 23, 9, 4, tzinfo=UTC))
    fire_due_timers(services)
    assert _stints(services, on_path) == [(None, "L1", "declared")]
    _at(clock, datetime(2026, 11, 23, 9, 5, tzinfo=UTC))  # 10 min Friday + 5 min Monday
    fire_due_timers(services)
    assert _stints(services, on_path) == [(None, "L1", "declared"), ("L1", "L3", "time")]


def test_a_warning_before_closing_tells_the_business_time_left(services: ServiceContext,
                                                               clock: Clock) -> None:
    services = _on_office(services)
    _at(clock, datetime(2026, 11, 20, 17, 10, tzinfo=UTC))  # Friday 17:10, 1 h response
    case_id = _declare(services, "Invoice PDF missing sev4")
    _at(clock, datetime(2026, 11, 20, 17, 58, tzinfo=UTC))  # 48 business minutes in
    fire_due_timers(services)
    assert _events(services, case_id, "sla_warning") == [
        "L1 response SLA: 12 min left without acknowledgement"]
    _at(clock, datetime(2026, 11, 23, 9, 9, tzinfo=UTC))  # 2 min Friday + 10 min Monday
    fire_due_timers(services)
    assert _stints(services, case_id) == [(None, "L1", "declared")]
    _at(clock, datetime(2026, 11, 23, 9, 10, tzinfo=UTC))
    fire_due_timers(services)
    assert _stints(services, case_id)[-1] == ("L1", "L2", "time")

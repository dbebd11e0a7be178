"""Each metric on hand-built timelines whose answers are known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.metrics import (
    CaseRecord,
    Event,
    measure,
    parse_period,
    summarize,
    summarize_by,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def swarm_case(case_id: int = 1, *, resolved: bool = True, service: str = "payments",
               severity: str = "sev1", start: datetime = T0) -> CaseRecord:
    """Declared by a person; 3 invites (one accepted at 7 min, one declined, one expired), a
    hand-over, two updates and one reminder; resolved at 95 min."""
    offset = (start - T0).total_seconds() / 60
    events = [Event(at(offset), "declared", "UOWNER"),
              Event(at(offset + 1), "invited", None, {"expert": "UA"}),
              Event(at(offset + 1), "invited", None, {"expert": "UB"}),
              Event(at(offset + 1), "invited", None, {"expert": "UC"}),
              Event(at(offset + 7), "invite_accepted", "UA"),
              Event(at(offset + 9), "invite_declined", "UB"),
              Event(at(offset + 21), "invite_expired"),
              Event(at(offset + 15), "status_update", "UOWNER"),
              Event(at(offset + 45), "status_reminder"),
              Event(at(offset + 50), "status_update", "UOWNER"),
              Event(at(offset + 60), "owner_changed", "UOWNER")]
    if resolved:
        events.append(Event(at(offset + 95), "resolved", "UA"))
    return CaseRecord(case_id, severity, service, "swarm", "resolved" if resolved else "open",
                      None, start, tuple(events))


def tiered_case(case_id: int = 2, *, level: str = "L2", resolved: bool = True) -> CaseRecord:
    """Placed at L1, warned, breached at 15 min → L2 (time), acknowledged at 40 min, reopened
    once, resolved at 300 min."""
    events = [Event(at(0), "declared", "UREQ"),
              Event(at(0), "level_set", "UREQ", {"level": "L1"}),
              Event(at(12), "sla_warning", None, {"level": "L1", "sla": "response"}),
              Event(at(15), "sla_breached", None, {"level": "L1", "sla": "response"}),
              Event(at(15), "escalated", None, {"level": "L2", "trigger": "time"}),
              Event(at(40), "acknowledged", "UL2", {"level": "L2"}),
              Event(at(100), "resolved", "UREQ"),
              Event(at(120), "reopened", "UREQ")]
    if resolved:
        events.append(Event(at(300), "resolved", "UREQ"))
    return CaseRecord(case_id, "sev4", "accounts", "tiered", "resolved" if resolved else "open",
                      level, T0, tuple(events))


def test_a_swarm_case_is_measured_from_its_timeline() -> None:
    m = measure(swarm_case())
    assert m.time_to_acknowledge == timedelta(0)  # the declarer owns it from the start
    assert m.time_to_first_expert == timedelta(minutes=7)
    assert m.time_to_resolve == timedelta(minutes=95)
    assert m.handoffs == 1
    assert dict(m.invites) == {"sent": 3, "accepted": 1, "declined": 1, "expired": 1}
    assert (m.status_updates, m.status_reminders) == (2, 1)
    assert (m.resolved_at, m.escalated, m.reopened, m.tiered) == ("swarm", False, False, False)


def test_a_tiered_case_counts_level_acknowledgement_breaches_and_reopening() -> None:
    m = measure(tiered_case())
    assert m.time_to_acknowledge == timedelta(minutes=40)
    assert m.time_to_first_expert is None
    assert m.time_to_resolve == timedelta(minutes=300)  # the last resolution counts
    assert m.handoffs == 1
    assert dict(m.sla_breaches) == {"L1": 1}
    assert (m.resolved_at, m.escalated, m.reopened, m.tiered) == ("L2", True, True, True)


def test_a_case_from_a_webhook_is_acknowledged_when_claimed() -> None:
    case = CaseRecord(3, "sev2", "db", "swarm", "open", None, T0,
                      (Event(at(0), "declared", None), Event(at(4), "claimed", "UANA")))
    m = measure(case)
    assert m.time_to_acknowledge == timedelta(minutes=4)
    assert (m.resolved, m.time_to_resolve, m.resolved_at) == (False, None, None)


def test_an_unclaimed_case_has_no_acknowledgement_yet() -> None:
    case = CaseRecord(4, "sev2", "db", "swarm", "open", None, T0,
                      (Event(at(0), "declared", None),))
    assert measure(case).time_to_acknowledge is None


def test_a_summary_aggregates_with_known_answers() -> None:
    summary = summarize([measure(swarm_case(1)), measure(tiered_case(2)),
                         measure(swarm_case(3, resolved=False)),
                         measure(tiered_case(4, level="L1"))])
    assert (summary.cases, summary.open, summary.resolved) == (4, 1, 3)
    assert summary.median_time_to_acknowledge == timedelta(minutes=20)  # 0, 0, 40, 40
    assert summary.median_time_to_resolve == timedelta(minutes=300)  # 95, 300, 300
    assert summary.mean_time_to_resolve == timedelta(minutes=(95 + 300 + 300) / 3)
    assert summary.handoffs == 4
    assert dict(summary.invites) == {"sent": 6, "accepted": 2, "declined": 2, "expired": 2}
    assert summary.invite_acceptance == pytest.approx(1 / 3)
    assert summary.status_punctuality == pytest.approx(4 / 6)
    assert dict(summary.sla_breaches) == {"L1": 2}
    assert summary.resolved_by_level == pytest.approx({"L1": 1 / 3, "L2": 1 / 3,
                                                       "swarm": 1 / 3})
    assert summary.escalation_rate == 1.0
    assert summary.reopened == 2


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    summary = summarize([measure(swarm_case(1)), measure(tiered_case(2))])  # 95 and 300 min
    assert summary.median_time_to_resolve == timedelta(minutes=(95 + 300) / 2)


def test_invites_released_after_being_held_count_as_sent() -> None:
    """4 sent at once, 3 held then released (their DMs went out), 1 held and never released:
    7 invites went out."""
    events = [Event(at(0), "declared", "UOWNER"),
              *(Event(at(1), "invited", None, {"expert": f"U{n}"}) for n in range(4)),
              *(Event(at(1), "invite_held", None, {"expert": f"UH{n}"}) for n in range(4)),
              *(Event(at(600), "invite_released", None, {"expert": f"UH{n}"})
                for n in range(3)),
              *(Event(at(700), "invite_expired") for _ in range(6))]
    measured = measure(CaseRecord(9, "sev2", "db", "swarm", "open", None, T0, tuple(events)))
    assert measured.invites["sent"] == 7 and measured.invites["expired"] == 6


def test_an_empty_period_has_no_averages() -> None:
    summary = summarize([])
    assert summary.cases == 0 and summary.mean_time_to_resolve is None
    assert summary.escalation_rate is None and summary.status_punctuality is None


def test_grouping_by_mode_service_severity_and_period() -> None:
    measures = [measure(swarm_case(1)), measure(tiered_case(2)),
                measure(swarm_case(3, service="search", severity="sev2",
                                   start=T0 + timedelta(days=7)))]
    by_mode = summarize_by(measures, "mode")
    assert {k: v.cases for k, v in by_mode.items()} == {"swarm": 2, "tiered": 1}
    assert by_mode["swarm"].median_time_to_first_expert == timedelta(minutes=7)
    assert {k: v.cases for k, v in summarize_by(measures, "service").items()} == {
        "accounts": 1, "payments": 1, "search": 1}
    assert list(summarize_by(measures, "severity")) == ["sev1", "sev2", "sev4"]
    assert {k: v.cases for k, v in summarize_by(measures, "week").items()} == {
        "2026-W45": 2, "2026-W46": 1}
    assert list(summarize_by(measures, "month")) == ["2026-11"]
    with pytest.raises(InvalidInput, match="Group by one of"):
        summarize_by(measures, "colour")


@pytest.mark.parametrize(("text", "days", "label"), [
    ("7d", 7, "the last 7d"), ("24h", 1, "the last 24h"), ("4w", 28, "the last 4w"),
    ("month", 30, "the last month"), ("", 30, "the last 30d"), ("QUARTER", 90, "the last quarter")])
def test_periods(text: str, days: int, label: str) -> None:
    since, said = parse_period(text, T0)
    assert (T0 - since, said) == (timedelta(days=days), label)


def test_all_time_and_bad_periods() -> None:
    assert parse_period("all", T0) == (None, "all time")
    for bad in ("0d", "yesterday", "7y", "-3d"):
        with pytest.raises(InvalidInput, match="is not a period"):
            parse_period(bad, T0)

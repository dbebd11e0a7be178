"""Alert bodies as the tools send them, read into swarmbot's one shape (pure)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from bot.domain.errors import InvalidInput
from bot.services.alert_payloads import alertmanager, pagerduty, service_word, severity_of
from bot.web.hooks import signed_by_pagerduty


def test_an_alertmanager_group_is_read_alert_by_alert() -> None:
    [alert] = alertmanager({
        "version": "4", "groupKey": "{}:{alertname=\"ProbeFailure\"}",
        "commonLabels": {"severity": "critical", "job": "http_checks"},
        "externalURL": "http://am.example:9093",
        "alerts": [{"status": "firing", "labels": {"alertname": "ProbeFailure"},
                    "annotations": {"summary": "Probe failure: https://server.example.org",
                                    "description": "down for 5m"},
                    "startsAt": "2023-02-06T13:08:45.828Z",
                    "generatorURL": "javascript:alert(1)", "fingerprint": "1a30ba71cca2921f"}]})
    assert alert.group_key == "{}:{alertname=\"ProbeFailure\"}"
    assert alert.external_id.endswith(":1a30ba71cca2921f@2023-02-06T13:08:45.828Z")
    assert (alert.title, alert.severity, alert.service) == (
        "Probe failure: https://server.example.org", "sev1", "http_checks")
    assert alert.url == "http://am.example:9093"  # not a link: the next one
    assert alert.description == "down for 5m"


def test_an_alert_without_a_fingerprint_is_named_by_its_labels() -> None:
    body = {"groupKey": "g", "alerts": [{"status": "resolved", "labels": {"b": "2", "a": "1"}}]}
    [alert] = alertmanager(body)
    assert alert.external_id.endswith(":a=1,b=2") and alert.status == "resolved"
    assert alert.title == "Alert"


@pytest.mark.parametrize(("label", "severity"), [
    ("critical", "sev1"), ("ERROR", "sev2"), ("warning", "sev3"), ("info", "sev4"),
    ("", "sev3"), ("whatever", "sev3")])
def test_severity_labels(label: str, severity: str) -> None:
    assert severity_of(label) == severity


def test_service_labels_become_service_words() -> None:
    assert service_word("Payments API") == "payments-api"
    assert service_word("api:8080") == "api-8080"
    assert len(service_word("x" * 100)) == 60


def test_pagerduty_events_map_to_an_incident_or_to_nothing() -> None:
    def event(kind: str) -> dict:
        return {"event": {"event_type": kind, "data": {
            "id": "PGR0VU2", "type": "incident", "title": "Checkout latency high",
            "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2", "urgency": "low",
            "priority": {"summary": "P1"}, "service": {"summary": "Checkout"}}}}
    [fired] = pagerduty(event("incident.triggered"))
    assert (fired.group_key, fired.external_id, fired.status) == ("PGR0VU2", "PGR0VU2",
                                                                  "firing")
    assert (fired.severity, fired.service) == ("sev1", "checkout")  # the priority wins
    assert pagerduty(event("incident.resolved"))[0].status == "resolved"
    assert pagerduty(event("incident.annotated")) == []
    with pytest.raises(InvalidInput, match="PagerDuty V3"):
        pagerduty({"messages": []})  # a V2 body


def test_pagerduty_signatures_as_documented() -> None:
    raw = b'{"event":{}}'
    good = hmac.new(b"secret", raw, hashlib.sha256).hexdigest()
    assert signed_by_pagerduty(raw, f"v1={good}", "secret")
    assert signed_by_pagerduty(raw, f"v1=deadbeef,v1={good}", "secret")  # secret rotation
    assert not signed_by_pagerduty(raw, f"v0={good}", "secret")
    assert not signed_by_pagerduty(raw + b" ", f"v1={good}", "secret")
    assert not signed_by_pagerduty(raw, "", "secret")


def test_a_storm_reads_as_its_first_alerts_in_the_timelines_people_read() -> None:
    from dataclasses import dataclass
    from datetime import UTC, datetime

    from bot.domain.states import TimelineKind
    from bot.domain.timeline import thinned

    @dataclass
    class E:
        kind: str
        at: datetime = datetime(2026, 11, 17, tzinfo=UTC)
        actor: str | None = None
        text: str = ""
        data: dict | None = None

    events = [E(TimelineKind.DECLARED), *[E(TimelineKind.ALERT_FIRING) for _ in range(50)],
              E(TimelineKind.ALERT_RESOLVED), E(TimelineKind.RESOLVED)]
    kinds = [e.kind for e in thinned(events)]
    assert kinds == [TimelineKind.DECLARED, *[TimelineKind.ALERT_FIRING] * 3,
                     TimelineKind.RESOLVED]

"""Alerts from monitoring tools, over real HTTP into the bot and out to the emulator: alerts of
one group attach to one case (counted and listed in its summary) instead of opening channels;
resolved alerts note themselves; the owner is told when all resolved; the channel gets its
bookmarks. Each tool's body as the tool sends it (Alertmanager, Grafana, PagerDuty V3 signed);
a bad body is answered with what is wrong and changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from bot.sandbox.emulator import SlackEmulator
from models import Alert, Case
from tests.e2e.conftest import HOOKS_TOKEN, Clock, RunningBot, Workspace

PD_SECRET = "pd-webhook-secret"
PUBLIC = "https://swarmbot.example.com"
AUTH = {"Authorization": f"Bearer {HOOKS_TOKEN}"}


@pytest.fixture
def extra_settings() -> dict[str, object]:
    return {"pagerduty_secret": PD_SECRET, "public_url": PUBLIC}


def alertmanager(group: str, *alerts: tuple[str, str], severity: str = "warning"
                 ) -> dict[str, Any]:
    """An Alertmanager v4 notification of `group` with (fingerprint, status) alerts."""
    return {
        "version": "4", "groupKey": group, "status": "firing", "receiver": "swarmbot",
        "groupLabels": {"alertname": "HighLatency"},
        "commonLabels": {"alertname": "HighLatency", "severity": severity, "job": "checkout"},
        "commonAnnotations": {}, "externalURL": "http://alertmanager.example:9093",
        "alerts": [{"status": status,
                    "labels": {"instance": f"checkout-{fp}"},
                    "annotations": {"summary": f"Checkout p99 over 2s on checkout-{fp}"},
                    "startsAt": "2026-11-17T09:58:00Z", "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": "http://prometheus.example:9090/graph?g0.expr=p99",
                    "fingerprint": fp} for fp, status in alerts]}


def post(bot: RunningBot, path: str, body: Any, **kwargs: Any) -> requests.Response:
    return requests.post(f"{bot.url}{path}", json=body, headers=kwargs.pop("headers", AUTH),
                         timeout=30, **kwargs)


def settle(bot: RunningBot, clock: Clock) -> None:
    """Past the summary's gathering of alerts (3 s on the bot's clock), then delivered. A
    call a busy machine timed out is retried after a backoff on the bot's clock, which stands
    still here: the clock moves on (5 s at a time, at most 30 s) until everything is."""
    for _step in range(5):
        clock.advance(seconds=5)
        try:
            bot.settle(10)
            return
        except AssertionError:
            bot.container.dispatcher.kick()
    clock.advance(seconds=5)
    bot.settle(30)


def counts(bot: RunningBot) -> tuple[int, int]:
    with bot.container.uow() as uow:
        return (uow.session.scalar(select(func.count()).select_from(Case)) or 0,
                uow.session.scalar(select(func.count()).select_from(Alert)) or 0)


def case_channels(emulator: SlackEmulator) -> list[dict[str, Any]]:
    return [c for c in emulator.channels() if c["name"].startswith("swarm-")]


def summary_of(emulator: SlackEmulator, channel: str) -> str:
    found = [m for m in emulator.messages(channel) if "In the swarm" in str(m.get("blocks"))]
    return str(found[0]["blocks"]) if found else ""


def test_an_alert_storm_of_one_group_opens_one_case_and_lists_its_alerts(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    first = post(bot, "/hooks/alertmanager", alertmanager("{}:{alertname=\"HighLatency\"}",
                                                          ("a1", "firing"), ("a2", "firing")))
    assert first.status_code == 201, first.text
    assert first.json()["opened"] == 1 and first.json()["attached"] == 2
    for n in range(3, 8):  # Alertmanager sends the group again as more alerts join it
        again = post(bot, "/hooks/alertmanager", alertmanager(
            "{}:{alertname=\"HighLatency\"}", ("a1", "firing"), (f"a{n}", "firing")))
        assert again.status_code == 200 and again.json()["cases"] == ["#0001"], again.text
    settle(bot, clock)
    assert counts(bot) == (1, 7)
    [channel] = case_channels(emulator)
    emulator.wait_for(lambda: "*Alerts:* 7 — 7 firing" in summary_of(emulator, channel["id"]),
                      timeout=30)
    assert "Checkout p99 over 2s on checkout-a7" in summary_of(emulator, channel["id"])
    # the storm's refreshes gathered: the summary posted once and edited at most twice for six
    # deliveries (none when they all came before the channel; a busy machine can spread
    # them over two of the 3 s gathering windows), not once per delivery
    assert len([m for m in emulator.messages(channel["id"])
                if "In the swarm" in str(m.get("blocks"))]) == 1
    assert len(emulator.calls("chat.update")) <= 2
    bookmarks = {b["title"]: b["link"] for b in emulator.channel(channel["id"])["bookmarks"]}
    assert bookmarks == {"Dashboard": f"{PUBLIC}/dashboard",
                         "Source ticket (alertmanager)":
                             "http://prometheus.example:9090/graph?g0.expr=p99"}


def test_resolved_alerts_note_themselves_and_the_owner_hears_when_all_have(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    group = "{}:{alertname=\"DiskFull\"}"
    assert post(bot, "/hooks/alertmanager", alertmanager(
        group, ("d1", "firing"), ("d2", "firing"))).status_code == 201
    settle(bot, clock)
    [channel] = case_channels(emulator)
    emulator.slash_command(parcelly["ines"], "/swarm", "claim", channel=channel["id"])
    half = post(bot, "/hooks/alertmanager", alertmanager(group, ("d1", "resolved"),
                                                         ("d2", "firing")))
    assert half.json()["resolved"] == 1 and half.json()["repeated"] == 1, half.text
    emulator.wait_for(lambda: any("1 of 2 alerts still firing" in (m.get("text") or "")
                                  for m in emulator.messages(channel["id"])), timeout=30)
    assert post(bot, "/hooks/alertmanager", alertmanager(group, ("d2", "resolved"))).ok
    told = f"<@{parcelly['ines']}>, every alert of case #0001 has resolved"
    emulator.wait_for(lambda: any(told in (m.get("text") or "")
                                  for m in emulator.messages(channel["id"])), timeout=30)
    settle(bot, clock)
    emulator.wait_for(lambda: "0 firing, 2 resolved" in summary_of(emulator, channel["id"]),
                      timeout=30)
    with bot.container.uow() as uow:
        assert uow.cases.get(1).status == "open"  # resolving it is a person's call
    # the same resolved delivery again changes nothing
    assert post(bot, "/hooks/alertmanager", alertmanager(group, ("d2", "resolved"))
                ).json()["repeated"] == 1


def test_grafana_alerts_group_and_bookmark_their_dashboard(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    body = alertmanager("{}/{__grafana_autogenerated__=\"true\"}:{alertname=\"CPU\"}",
                        ("g1", "firing"), severity="critical")
    body.update(orgId=1, title="[FIRING:1] CPU", message="CPU high", state="alerting")
    body["alerts"][0].update(dashboardURL="https://grafana.example/d/cpu", panelURL="",
                             silenceURL="https://grafana.example/silence", values={"B": 97.5})
    answer = post(bot, "/hooks/grafana", body)
    assert answer.status_code == 201, answer.text
    settle(bot, clock)
    [channel] = case_channels(emulator)
    links = [b["link"] for b in emulator.channel(channel["id"])["bookmarks"]]
    assert "https://grafana.example/d/cpu" in links
    with bot.container.uow() as uow:
        case = uow.cases.get(1)
        assert (case.source, case.severity, case.service) == ("grafana", "sev1", "checkout")


def pagerduty(event_type: str, incident: str = "Q1ABC") -> dict[str, Any]:
    return {"event": {
        "id": f"evt-{event_type}", "event_type": event_type, "resource_type": "incident",
        "occurred_at": "2026-11-17T10:00:00Z", "agent": None,
        "data": {"id": incident, "type": "incident", "number": 42,
                 "html_url": f"https://parcelly.pagerduty.com/incidents/{incident}",
                 "title": "Payments API error rate", "status": "triggered",
                 "urgency": "high", "service": {"id": "PSVC", "summary": "Payments API"}}}}


def signed(body: dict[str, Any], secret: str = PD_SECRET) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    # two signatures while a secret rotates: the old one first
    return raw, {"X-PagerDuty-Signature": f"v1={'0' * 64},v1={digest}",
                 "Content-Type": "application/json"}


def test_pagerduty_webhooks_are_verified_and_an_incident_is_one_case(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    url = f"{bot.url}/hooks/pagerduty"
    raw, headers = signed(pagerduty("incident.triggered"), secret="not-the-secret")
    forged = requests.post(url, data=raw, headers=headers, timeout=30)
    assert forged.status_code == 401 and "X-PagerDuty-Signature" in forged.json()["error"]
    unsigned = requests.post(url, json=pagerduty("incident.triggered"), timeout=30)
    assert unsigned.status_code == 401
    assert counts(bot) == (0, 0)

    raw, headers = signed(pagerduty("incident.triggered"))
    opened = requests.post(url, data=raw, headers=headers, timeout=30)
    assert opened.status_code == 201, opened.text
    raw, headers = signed(pagerduty("incident.acknowledged"))
    assert requests.post(url, data=raw, headers=headers, timeout=30).json()["ignored"] is True
    raw, headers = signed(pagerduty("incident.resolved"))
    assert requests.post(url, data=raw, headers=headers, timeout=30).json()["resolved"] == 1
    settle(bot, clock)
    [channel] = case_channels(emulator)
    links = [b["link"] for b in emulator.channel(channel["id"])["bookmarks"]]
    assert "https://parcelly.pagerduty.com/incidents/Q1ABC" in links
    emulator.wait_for(lambda: any("every alert of case #0001 has resolved" in
                                  (m.get("text") or "") for m in emulator.messages(channel["id"])),
                      timeout=30)
    with bot.container.uow() as uow:
        case = uow.cases.get(1)
        assert (case.source, case.severity, case.service) == ("pagerduty", "sev2",
                                                               "payments-api")


@pytest.mark.parametrize(("path", "body", "said"), [
    ("/hooks/alertmanager", {"text": "hello"}, "not an Alertmanager webhook body"),
    ("/hooks/grafana", {"groupKey": "g", "alerts": []}, "non-empty list"),
    ("/hooks/alertmanager", {"groupKey": "g", "alerts": [{"status": "burning",
                                                         "fingerprint": "x"}]},
     "must be \"firing\" or \"resolved\""),
    ("/hooks/alertmanager", {"groupKey": "g", "alerts": [
        {"status": "firing", "fingerprint": "ok"}, {"status": "firing", "labels": "x"}]},
     "alerts[1]`.labels"),
    ("/hooks/cases", {"title": "t", "external_id": "1", "status": "resolved"},
     "send a `group_key`"),
    ("/hooks/cases", {"title": "t", "external_id": "1", "url": "javascript:alert(1)"},
     "`url` must be an http(s) link"),
    ("/hooks/cases", {"title": "t", "external_id": "1", "group_key": "g", "status": "gone"},
     "must be \"firing\" or \"resolved\""),
    ("/hooks/alertmanager", {"version": "4", "groupKey": "g", "alerts": [
        {"status": "firing", "fingerprint": 123}]}, "`alerts[0].fingerprint` is required and"),
    ("/hooks/alertmanager", {"version": "4", "groupKey": 5, "alerts": [
        {"status": "firing", "fingerprint": "f"}]}, "`groupKey` is required and must be"),
    ("/hooks/alertmanager", {"version": "3", "groupKey": "g", "alerts": []},
     "version \"3\" is not supported"),
    ("/hooks/alertmanager", {"groupKey": "g", "alerts": [
        {"status": "firing", "fingerprint": "f", "startsAt": "yesterday"}]},
     "`alerts[0].startsAt` must be an RFC 3339 time"),
    ("/hooks/grafana", {"groupKey": "g", "alerts": [
        {"status": "firing", "labels": {"alertname": "CPU"}}]},
     "`alerts[0].fingerprint` is required"),
    ("/hooks/grafana", {"text": "hello"}, "This is not a Grafana alerting webhook body"),
    ("/hooks/cases", {"title": "t", "external_id": "1", "source": "<!channel>"},
     "`source` must be one word"),
    ("/hooks/cases", {"title": "t", "external_id": "1", "source": "two words"},
     "`source` must be one word"),
])
def test_a_bad_alert_body_is_refused_with_a_reason_and_creates_nothing(
        emulator: SlackEmulator, bot: RunningBot, path: str, body: Any, said: str) -> None:
    answer = post(bot, path, body)
    assert answer.status_code == 400 and said in answer.json()["error"], answer.text
    assert requests.post(f"{bot.url}{path}", json=body, timeout=30).status_code == 401
    assert counts(bot) == (0, 0) and not case_channels(emulator)


def test_webhook_cases_with_a_group_key_attach_and_keep_their_ticket_link(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    def case(n: int, **more: Any) -> requests.Response:
        return post(bot, "/hooks/cases", {"title": f"Queue lag {n}", "external_id": f"Z-{n}",
                                          "source": "zabbix", "group_key": "queue-lag",
                                          "url": f"https://zabbix.example/tr/{n}", **more})
    first = case(1)
    assert first.status_code == 201 and first.json()["reference"] == "#0001", first.text
    assert case(2).json()["attached"] == 1
    assert case(2).json()["repeated"] == 1  # the same delivery twice is one alert
    resolved = case(1, status="resolved")
    assert resolved.status_code == 200 and resolved.json()["resolved"] == 1
    plain = post(bot, "/hooks/cases", {"title": "Printer on fire", "external_id": "T-9",
                                       "source": "zendesk",
                                       "url": "https://parcelly.zendesk.com/tickets/9"})
    assert plain.status_code == 201 and plain.json()["reference"] == "#0002"
    settle(bot, clock)
    assert counts(bot) == (2, 2)
    channels = sorted(case_channels(emulator), key=lambda c: c["name"])
    assert len(channels) == 2
    first_links = [b["link"] for b in emulator.channel(channels[0]["id"])["bookmarks"]]
    assert "https://zabbix.example/tr/1" in first_links
    second_links = [b["link"] for b in emulator.channel(channels[1]["id"])["bookmarks"]]
    assert "https://parcelly.zendesk.com/tickets/9" in second_links


def test_the_review_is_bookmarked_once_it_is_posted(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    emulator.slash_command(parcelly["maya"], "/swarm", "new Label printer jams sev3",
                           channel=parcelly.general)
    settle(bot, clock)
    [channel] = case_channels(emulator)
    assert [b["title"] for b in emulator.channel(channel["id"])["bookmarks"]] == ["Dashboard"]
    emulator.slash_command(parcelly["maya"], "/swarm", "resolve Cleared the roller",
                           channel=channel["id"])
    settle(bot, clock)
    emulator.wait_for(lambda: len(emulator.channel(channel["id"])["bookmarks"]) == 2,
                      timeout=30)
    review = emulator.channel(channel["id"])["bookmarks"][1]
    assert review["title"] == "Post-case review"
    assert review["link"].startswith("https://") and "/archives/" in review["link"]


def test_a_pagerduty_incident_id_of_the_wrong_type_is_refused(
        emulator: SlackEmulator, bot: RunningBot) -> None:
    body = pagerduty("incident.triggered")
    body["event"]["data"]["id"] = 777
    raw, headers = signed(body)
    answer = requests.post(f"{bot.url}/hooks/pagerduty", data=raw, headers=headers, timeout=30)
    assert answer.status_code == 400, answer.text
    assert "`event.data.id` is required and must be a string" in answer.json()["error"]
    assert counts(bot) == (0, 0) and not case_channels(emulator)


def test_the_same_alert_under_a_second_route_opens_that_routes_case(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    """Alertmanager sends one alert to every matching route (`continue: true`), each its own
    group: each group gets its case."""
    first = post(bot, "/hooks/alertmanager", alertmanager("{}:{team=\"web\"}",
                                                          ("same", "firing")))
    assert first.status_code == 201, first.text
    second = post(bot, "/hooks/alertmanager", alertmanager("{}:{team=\"sre\"}",
                                                           ("same", "firing")))
    assert second.status_code == 201, second.text
    assert second.json()["opened"] == 1 and second.json()["repeated"] == 0
    assert second.json()["cases"] == ["#0002"]
    assert counts(bot) == (2, 2)
    # within its group the alert is still one alert
    assert post(bot, "/hooks/alertmanager", alertmanager("{}:{team=\"sre\"}",
                                                         ("same", "firing"))
                ).json()["repeated"] == 1


def test_a_reopened_pagerduty_incident_says_so_in_the_channel(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    url = f"{bot.url}/hooks/pagerduty"
    for kind in ("incident.triggered", "incident.resolved", "incident.reopened"):
        raw, headers = signed(pagerduty(kind))
        assert requests.post(url, data=raw, headers=headers, timeout=30).ok
    settle(bot, clock)
    [channel] = case_channels(emulator)
    emulator.wait_for(lambda: any("Firing again in its tool after it resolved: "
                                  "*Payments API error rate*" in (m.get("text") or "")
                                  for m in emulator.messages(channel["id"])), timeout=30)


def test_a_resolved_note_counts_one_alert_in_the_singular(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    assert post(bot, "/hooks/alertmanager", alertmanager("g1", ("s1", "firing"))).ok
    assert post(bot, "/hooks/alertmanager", alertmanager("g1", ("s1", "resolved"))).ok
    settle(bot, clock)
    [channel] = case_channels(emulator)
    emulator.wait_for(lambda: any("its one alert fires no more" in (m.get("text") or "")
                                  for m in emulator.messages(channel["id"])), timeout=30)


def test_alert_text_from_a_machine_pings_nobody(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    ines = "U0PAGEME9"  # someone a tool names; the bot's own mentions of experts are not it
    body = alertmanager("g-ping", ("p1", "firing"))
    body["alerts"][0]["annotations"]["summary"] = f"Disk full, ask <@{ines}> <!channel>"
    assert post(bot, "/hooks/alertmanager", body).status_code == 201
    hook = post(bot, "/hooks/cases", {"title": f"Queue stuck <@{ines}|ines>",
                                      "external_id": "Q-1", "source": "zabbix"})
    assert hook.status_code == 201, hook.text
    settle(bot, clock)
    messages = [m for c in case_channels(emulator) for m in emulator.messages(c["id"])]
    texts = [str(m) for m in messages]
    assert any("Disk full, ask @U0PAGEME9" in t for t in texts)
    assert any("Queue stuck @ines" in t for t in texts)
    assert not any(f"<@{ines}" in t for t in texts)  # plain_text headers included: no ping
    assert not any("<!channel>" in (m.get("text") or "") for m in messages)


def test_the_resolution_says_how_many_alert_events_it_left_out(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    assert post(bot, "/hooks/alertmanager", alertmanager(
        "g-many", *((f"m{n}", "firing") for n in range(5)))).status_code == 201
    settle(bot, clock)
    [channel] = case_channels(emulator)
    emulator.slash_command(parcelly["ines"], "/swarm", "claim", channel=channel["id"])
    emulator.slash_command(parcelly["ines"], "/swarm", "resolve Restarted the cache",
                           channel=channel["id"])
    settle(bot, clock)
    emulator.wait_for(lambda: any("…and 2 more alert events" in str(m)
                                  for m in emulator.messages(channel["id"])), timeout=30)

"""Alerts as monitoring tools send them, read into one shape (`AlertIn`). Pure: a body that
is not the tool's shape is refused with what is wrong (InvalidInput), never half-read.

- Prometheus Alertmanager's webhook (`version` "4"): a notification of one group
  (`groupKey`) carrying its `alerts`, each with `status`, `labels`, `annotations`,
  `startsAt`, `generatorURL` and `fingerprint`
  (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
- Grafana alerting's webhook contact point: the same body plus `orgId`, `title`, `message`
  and, per alert, `dashboardURL`, `panelURL`, `silenceURL`
  (https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/).
- PagerDuty's V3 webhooks: one `event` a request, `event_type` such as
  `incident.triggered` / `incident.resolved`, the incident under `event.data` (`id`,
  `title`, `html_url`, `status`, `urgency`, `priority.summary`, `service.summary`) —
  PagerDuty's developer docs, *Webhooks → Overview*, "Webhook Payload" and "Event Types"
  (https://developer.pagerduty.com/docs/webhooks/v3-overview/, github.com/PagerDuty/
  developer-docs docs/webhooks/01-Overview.md). PagerDuty has grouped the alerts into the
  incident already: one incident is one group.
- swarmbot's own `POST /hooks/cases` with a `group_key` (bot/services/cases.hook_draft).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.case import MAX_TITLE
from bot.domain.errors import InvalidInput
from bot.domain.mrkdwn import unmentioned
from bot.domain.states import AlertStatus
from bot.services.text import printable

MAX_KEY, MAX_URL, MAX_DESCRIPTION = 200, 500, 3000
_NOT_A_WORD = re.compile(r"[^a-z0-9._/-]+")

# A tool's severity label → swarmbot's severity (anything else: sev3).
SEVERITIES = {
    "critical": "sev1", "page": "sev1", "p1": "sev1", "sev1": "sev1", "disaster": "sev1",
    "high": "sev2", "error": "sev2", "major": "sev2", "p2": "sev2", "sev2": "sev2",
    "warning": "sev3", "warn": "sev3", "minor": "sev3", "p3": "sev3", "sev3": "sev3",
    "info": "sev4", "low": "sev4", "p4": "sev4", "p5": "sev4", "sev4": "sev4",
    "none": "sev4",
}


@dataclass(frozen=True)
class AlertIn:
    """One alert as swarmbot keeps it: `external_id` names this alert (one firing of it) in
    its tool, `group_key` the group it belongs to (one case while that case is open)."""

    source: str
    group_key: str
    external_id: str
    status: AlertStatus
    title: str
    severity: str = "sev3"
    service: str = ""
    description: str = ""
    url: str | None = None


def severity_of(label: object) -> str:
    return SEVERITIES.get(str(label or "").strip().lower(), "sev3")


def service_word(name: object) -> str:
    """A label such as `Payments API` or `job="api:8080"` as a service word (`payments-api`,
    `api-8080`): what the case draft takes (letters, digits, `. - _ /`, ≤ 60)."""
    word = _NOT_A_WORD.sub("-", printable(str(name or "")).lower()).strip("-")
    return word[:60].strip("-")


def _text(value: object, limit: int) -> str:
    return unmentioned(printable(value)).strip()[:limit] if isinstance(value, str) else ""


def _url(value: object) -> str | None:
    text = _text(value, MAX_URL + 1)
    if not text or len(text) > MAX_URL or not text.startswith(("http://", "https://")):
        return None  # not a link Slack can bookmark: left out, the alert still counts
    return text


def _key(value: object, name: str, *, numbers: bool = True) -> str:
    """A key or id; `numbers`: a JSON number is taken as its digits (swarmbot's own hook),
    otherwise refused (a tool that documents a string sends a string)."""
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not printable(value).strip():
        raise InvalidInput(f"`{name}` is required and must be a string.")
    key = printable(value).strip()
    if len(key) > MAX_KEY:
        raise InvalidInput(f"`{name}` is {len(key)} characters; at most {MAX_KEY}.")
    return key


def _status(value: object, where: str) -> AlertStatus:
    try:
        return AlertStatus(str(value))
    except ValueError:
        raise InvalidInput(f"{where}`status` must be \"firing\" or \"resolved\".") from None


def _object(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{what} must be a JSON object.")
    return value


def _strings(value: object, what: str) -> Mapping[str, str]:
    """Alertmanager's labels and annotations: an object of strings (absent: empty)."""
    if value is None:
        return {}
    found = _object(value, what)
    if not all(isinstance(v, str) for v in found.values()):
        raise InvalidInput(f"{what} must map names to strings.")
    return found


def _starts(value: object, where: str) -> str:
    """`startsAt`: an RFC 3339 time as the tool sent it (absent: empty)."""
    if value is None:
        return ""
    text = value.strip() if isinstance(value, str) else ""
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{where}.startsAt` must be an RFC 3339 time such as "
                           "\"2026-11-17T09:58:00Z\".") from None
    return text[:40]


def _in_group(group_key: str, alert_id: str) -> str:
    """An alert's id within its group: Alertmanager sends the same alert (fingerprint and
    start) under every route that matches it (`continue: true`), each route its own group
    and its own case."""
    group = hashlib.sha256(group_key.encode()).hexdigest()[:12]
    return f"{group}:{alert_id}"[:MAX_KEY]


def alertmanager(payload: Any, *, source: str = "alertmanager") -> list[AlertIn]:
    """An Alertmanager (or Grafana alerting) notification: its alerts, of its `groupKey`."""
    body = _object(payload, "The body")
    if "alerts" not in body or "groupKey" not in body:
        raise InvalidInput(f"This is not {_TOOL[source]} webhook body: it needs `groupKey` "
                           "and `alerts` (see the README, *Alerts*).")
    version = body.get("version")
    if version is not None and version != "4":
        raise InvalidInput(f"Webhook version {json.dumps(version)[:20]} is not supported: "
                           "swarmbot reads version \"4\".")
    group_key = _key(body.get("groupKey"), "groupKey", numbers=False)
    alerts = body.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise InvalidInput("`alerts` must be a non-empty list of alerts.")
    common = _strings(body.get("commonLabels"), "`commonLabels`")
    found = []
    for n, raw in enumerate(alerts):
        where = f"`alerts[{n}]`"
        alert = _object(raw, where)
        labels = {**common, **_strings(alert.get("labels"), f"{where}.labels")}
        notes = _strings(alert.get("annotations"), f"{where}.annotations")
        if "fingerprint" in alert or source == "grafana":
            # Grafana always sends one: an alert without it is not Grafana's, refused
            fingerprint = _key(alert.get("fingerprint"), f"alerts[{n}].fingerprint",
                               numbers=False)
        else:  # an old Alertmanager: named by its labels
            fingerprint = _key(_label_key(labels), f"alerts[{n}].fingerprint")
        starts = _starts(alert.get("startsAt"), f"{where[:-1]}")
        title = (notes.get("summary") or labels.get("alertname") or _text(body.get("title"), 150)
                 or "Alert")
        url = next((u for u in (_url(alert.get("dashboardURL")), _url(alert.get("panelURL")),
                                _url(alert.get("generatorURL")), _url(body.get("externalURL")))
                    if u), None)
        found.append(AlertIn(
            source=source, group_key=group_key,
            external_id=_in_group(group_key, f"{fingerprint}@{starts}" if starts
                                  else fingerprint),
            status=_status(alert.get("status"), f"{where}."),
            title=_text(title, MAX_TITLE) or "Alert", severity=severity_of(labels.get("severity")),
            service=service_word(labels.get("service") or labels.get("job") or ""),
            description=_text(notes.get("description") or "", MAX_DESCRIPTION), url=url))
    return found


_TOOL = {"alertmanager": "an Alertmanager", "grafana": "a Grafana alerting"}


def _label_key(labels: Mapping[str, str]) -> str:
    """An alert without a fingerprint (an old Alertmanager) is named by its labels."""
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))[:MAX_KEY]


def grafana(payload: Any) -> list[AlertIn]:
    return alertmanager(payload, source="grafana")


# PagerDuty event types that carry an incident's state; the rest (annotated, escalated…)
# are answered and ignored.
PAGERDUTY_STATES = {"incident.triggered": AlertStatus.FIRING,
                    "incident.reopened": AlertStatus.FIRING,
                    "incident.resolved": AlertStatus.RESOLVED}
PAGERDUTY_URGENCY = {"high": "sev2", "low": "sev3"}


def _maybe(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def pagerduty(payload: Any) -> list[AlertIn]:
    """A PagerDuty V3 webhook: the incident it is about, or [] for an event type that does
    not change whether it fires (acknowledged, annotated, ping…)."""
    body = _object(payload, "The body")
    event = body.get("event")
    if not isinstance(event, Mapping) or not isinstance(event.get("event_type"), str):
        raise InvalidInput("This is not a PagerDuty V3 webhook body: it needs "
                           "`event.event_type` and `event.data`.")
    state = PAGERDUTY_STATES.get(event["event_type"])
    if state is None:
        return []
    data = _object(event.get("data"), "`event.data`")
    if data.get("type") not in (None, "incident"):
        raise InvalidInput("`event.data` must be an incident.")
    incident = _key(data.get("id"), "event.data.id", numbers=False)
    service = _maybe(data.get("service"))
    priority = _maybe(data.get("priority"))
    severity = (severity_of(priority.get("summary")) if priority.get("summary")
                else PAGERDUTY_URGENCY.get(str(data.get("urgency")), "sev3"))
    title = _text(data.get("title"), MAX_TITLE)
    if not title:
        raise InvalidInput("`event.data.title` is required and must be a string.")
    return [AlertIn(source="pagerduty", group_key=incident, external_id=incident, status=state,
                    title=title, severity=severity,
                    service=service_word(service.get("summary") or ""),
                    url=_url(data.get("html_url")))]


def hook_link(payload: Mapping[str, Any]) -> str | None:
    """POST /hooks/cases' optional `url`: the ticket in the sending tool (an http(s) link of
    at most 500 characters; anything else is refused)."""
    value = payload.get("url")
    if value is None:
        return None
    link = _url(value)
    if link is None:
        raise InvalidInput(f"`url` must be an http(s) link of at most {MAX_URL} characters.")
    return link


def hook_alert(payload: Mapping[str, Any], *, source: str, external_id: str, title: str,
               severity: str, service: str, description: str) -> AlertIn | None:
    """POST /hooks/cases with a `group_key`: the delivery is an alert of that group (its
    `status` "firing", the default, or "resolved"). Without one it opens a case of its own,
    and a `status` is refused (it would mean nothing)."""
    group_key, status = payload.get("group_key"), payload.get("status")
    if group_key is None:
        if status is not None:
            raise InvalidInput("`status` is for grouped alerts: send a `group_key` with it.")
        return None
    return AlertIn(source=source, group_key=_key(group_key, "group_key"),
                   external_id=external_id,
                   status=_status("firing" if status is None else status, ""),
                   title=title, severity=severity, service=service, description=description,
                   url=hook_link(payload))

"""Alerts grouped into cases. An alert of a group (a tool's group key) whose case is open
attaches to that case — counted, listed in its summary, one coalesced summary refresh —
instead of opening a channel of its own; the first firing alert of a group with no open case
opens one. A resolved alert notes itself on its case, and when every alert of the case has
resolved its owner is told (the case stays open: resolving it is a person's call).

Alerts of one group at once, in any web process, take turns on the group's row
(`AlertRepository.group`, SELECT … FOR UPDATE): the first opens the case, the others find
it. An alert delivered again (same source and external id) changes nothing unless its status
changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bot.domain.case import CaseDraft
from bot.domain.errors import Conflict
from bot.domain.states import AlertStatus, CaseStatus, TimelineKind
from bot.services import cases, effects
from bot.services.alert_payloads import AlertIn
from bot.services.context import ServiceContext
from bot.services.effects import NoteKind
from bot.services.people import require_people
from models.alerts import Alert
from models.case import Case
from models.uow import UnitOfWork

NOTED = 10  # resolved alerts named in one note (the rest counted)
# A summary refresh waits this long for more alerts: a storm's alerts share one edit (Slack's
# chat.update allows about 50 a minute) and the case's other effects do not wait for it.
GATHER = timedelta(seconds=3)


@dataclass(frozen=True)
class AlertsReceived:
    """What one delivery did: the cases its alerts are on (references), how many cases it
    opened, alerts it recorded, alerts that resolved, and alerts it had seen already."""

    cases: tuple[str, ...] = ()
    case_ids: tuple[int, ...] = ()
    opened: int = 0
    attached: int = 0
    resolved: int = 0
    repeated: int = 0
    unmatched: int = 0  # resolved alerts of a group with no open case: nothing to note them on

    def __add__(self, other: AlertsReceived) -> AlertsReceived:
        ids = dict.fromkeys((*self.case_ids, *other.case_ids))
        refs = dict.fromkeys((*self.cases, *other.cases))
        return AlertsReceived(tuple(refs), tuple(ids), self.opened + other.opened,
                              self.attached + other.attached, self.resolved + other.resolved,
                              self.repeated + other.repeated, self.unmatched + other.unmatched)


@dataclass
class _Changes:
    case: Case
    resolved: list[str] = field(default_factory=list)
    again: list[str] = field(default_factory=list)  # resolved, now firing again


def receive(ctx: ServiceContext, alerts: Sequence[AlertIn], *,
            draft: CaseDraft | None = None) -> AlertsReceived:
    """Record `alerts` (a tool's delivery), each group in one transaction. `draft`: the case
    to open for a new group when the sender described it (POST /hooks/cases); otherwise it
    is made from the group's first firing alert."""
    groups: dict[tuple[str, str], dict[str, AlertIn]] = {}
    for alert in alerts:  # the same alert twice in one delivery: its last word counts
        groups.setdefault((alert.source, alert.group_key), {})[alert.external_id] = alert
    total = AlertsReceived()
    for group in groups.values():
        total += _receive_group(ctx, list(group.values()), draft)
    return total


def _receive_group(ctx: ServiceContext, alerts: list[AlertIn], draft: CaseDraft | None
                   ) -> AlertsReceived:
    done = _record(ctx, alerts, opening=None)
    if done is not None:  # attached to the open case (the common case in a storm)
        return done
    first = next(a for a in alerts if a.status == AlertStatus.FIRING)
    if draft is None:
        draft = CaseDraft(title=first.title, severity=first.severity, service=first.service,
                          description=first.description)
    if draft.requester is not None:
        require_people(ctx.people, [draft.requester])
    history = cases.ask_the_history(ctx, draft)  # the model, outside the transaction
    done = _record(ctx, alerts, opening=(draft, history))
    assert done is not None
    return done


def _record(ctx: ServiceContext, alerts: list[AlertIn],
            opening: tuple[CaseDraft, cases.History] | None) -> AlertsReceived | None:
    """Attach `alerts` under their group's lock; None when a case must be opened and
    `opening` (its draft and what the model said) was not given yet."""
    source, group_key = alerts[0].source, alerts[0].group_key
    with ctx.uow() as uow:
        group = uow.alerts.group(source, group_key)
        known = uow.alerts.known(source, [a.external_id for a in alerts])
        new = [a for a in alerts if a.external_id not in known]
        case = uow.cases.get(group.case_id, for_update=True) if group.case_id else None
        if case is not None and case.status == CaseStatus.RESOLVED:
            case = None  # its case is over: a new firing opens a new one
        opened = 0
        if case is None and any(a.status == AlertStatus.FIRING for a in new):
            if opening is None:
                return None
            first = next(a for a in new if a.status == AlertStatus.FIRING)
            draft, history = opening
            case = cases.open_unowned(ctx, uow, source=source, external_id=first.external_id,
                                      draft=draft, source_url=first.url, history=history)
            if case is None:
                raise Conflict(f"A case from {source} with the id {first.external_id} exists "
                               "already (sent without a group key): nothing was recorded.")
            group.case_id, opened = case.id, 1
        touched: dict[int, _Changes] = {}
        attached = unmatched = 0
        for alert in new:
            if case is None:  # resolved, and nothing open to note it on
                unmatched += 1
                continue
            _attach(ctx, uow, case, alert)
            attached += 1
            changes = touched.setdefault(case.id, _Changes(case))
            if alert.status == AlertStatus.RESOLVED:
                changes.resolved.append(alert.title)
        repeated = resolved = 0
        for alert in sorted((a for a in alerts if a.external_id in known),
                            key=lambda a: known[a.external_id].case_id):
            row = known[alert.external_id]
            if row.status == alert.status:
                repeated += 1
                continue
            on = uow.cases.get(row.case_id, for_update=True)
            assert on is not None
            _change(ctx, uow, on, row, alert.status)
            changes = touched.setdefault(on.id, _Changes(on))
            if alert.status == AlertStatus.RESOLVED:
                changes.resolved.append(row.title)
                resolved += 1
            else:
                changes.again.append(row.title)
        for changes in touched.values():
            _show(uow, changes)
        resolved += sum(1 for a in new if a.status == AlertStatus.RESOLVED and case is not None)
        cases_on = [case] if case is not None else []
        cases_on += [c.case for c in touched.values() if c.case not in cases_on]
        uow.commit()
        return AlertsReceived(tuple(c.reference for c in cases_on),
                              tuple(c.id for c in cases_on), opened, attached, resolved,
                              repeated, unmatched)


def _attach(ctx: ServiceContext, uow: UnitOfWork, case: Case, alert: AlertIn) -> None:
    resolved = alert.status == AlertStatus.RESOLVED
    uow.alerts.add(Alert(case_id=case.id, source=alert.source, external_id=alert.external_id,
                         group_key=alert.group_key, title=alert.title, url=alert.url,
                         status=alert.status, description=alert.description,
                         received_at=ctx.now(), resolved_at=ctx.now() if resolved else None))
    uow.timeline.record(case.id,
                        TimelineKind.ALERT_RESOLVED if resolved else TimelineKind.ALERT_FIRING,
                        at=ctx.now(), title=alert.title, source=alert.source,
                        alert=alert.external_id)


def _change(ctx: ServiceContext, uow: UnitOfWork, case: Case, row: Alert,
            status: AlertStatus) -> None:
    """An alert the case has says it resolved, or fires again."""
    row.status = status
    row.resolved_at = ctx.now() if status == AlertStatus.RESOLVED else None
    uow.timeline.record(case.id,
                        TimelineKind.ALERT_RESOLVED if status == AlertStatus.RESOLVED
                        else TimelineKind.ALERT_FIRING,
                        at=ctx.now(), title=row.title, source=row.source, alert=row.external_id)


def _show(uow: UnitOfWork, changes: _Changes) -> None:
    """The summary (its Alerts section) refreshed once; resolved alerts noted in one post,
    and the owner told when none fires any more."""
    case = changes.case
    effects.post_summary(uow, case, gather=GATHER)
    if not changes.resolved and not changes.again:
        return
    total, firing = uow.alerts.counts(case.id)
    if changes.again:
        effects.post(uow, case=case, note=NoteKind.ALERTS_FIRING_AGAIN,
                     titles=changes.again[:NOTED], more=max(0, len(changes.again) - NOTED),
                     firing=firing, total=total)
    if not changes.resolved:
        return
    effects.post(uow, case=case, note=NoteKind.ALERTS_RESOLVED,
                 titles=changes.resolved[:NOTED], more=max(0, len(changes.resolved) - NOTED),
                 firing=firing, total=total)
    if firing == 0 and case.status != CaseStatus.RESOLVED:
        effects.post(uow, case=case, note=NoteKind.ALL_ALERTS_RESOLVED, owner=case.owner_id,
                     total=total, reference=case.reference)

"""Opening and owning cases: declare, intake from a webhook, claim, hand over, severity."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.domain.case import CaseDraft, parse_severity
from bot.domain.errors import Conflict, InvalidInput
from bot.domain.mrkdwn import unmentioned
from bot.domain.states import CaseMode, CaseStatus, InviteState, ParticipantRole, TimelineKind
from bot.i18n import N_
from bot.services import bookmarks, effects, knowledge, workflows
from bot.services.context import ServiceContext
from bot.services.effects import NoteKind
from bot.services.escalation import enter_tiered, on_severity_change
from bot.services.guards import case_in_channel, require, require_open
from bot.services.participants import add_participant
from bot.services.people import require_people
from bot.services.swarm import case_query, invite_experts, recommend, withdraw_invites
from bot.services.text import printable
from models.case import Case, Participant
from models.scheduling import TimerKind
from models.uow import UnitOfWork
from skills_index.interface import CaseQuery

REPEAT_WINDOW = timedelta(minutes=2)
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
# A case tagged with one of these is private: a private channel, its title kept out of public
# channels and out of lists and App Homes of people not in it.
PRIVATE_TAGS = frozenset({"security", "private"})


@dataclass(frozen=True)
class CaseOpened:
    case_id: int
    reference: str
    created: bool  # False when a repeated delivery found the case already there
    swarm: bool
    invited: tuple[str, ...] = ()  # experts invited as it opened
    held: tuple[str, ...] = ()  # experts invited when their working day starts
    # A swarm's experts are chosen after the answer (`plan_swarm`): who is invited is told
    # a moment later, in the case channel and to the declarer
    choosing: bool = False


def _opened(case: Case) -> CaseOpened:
    """A case just opened: a swarm's experts are being chosen; a tiered case has none."""
    swarm = case.mode == CaseMode.SWARM
    return CaseOpened(case.id, case.reference, True, swarm, choosing=swarm)


@dataclass(frozen=True)
class SwarmPlanned:
    """What planning a declared swarm did (`plan_swarm`); `done_before`: it had been
    planned already (a delivery run again after a crash), nothing was done."""

    invited: tuple[str, ...] = ()
    held: tuple[str, ...] = ()
    done_before: bool = False


# -- what the commands tell the person who ran them (rendered in bot/slack/replies.py) ------
@dataclass(frozen=True)
class CaseClaimed:
    reference: str
    already: bool = False  # the claimer owned it already: nothing changed


@dataclass(frozen=True)
class CaseHandedOver:
    reference: str
    owner: str


@dataclass(frozen=True)
class SeverityChanged:
    reference: str
    severity: str
    already: bool = False  # it had that severity: nothing changed


def declare_case(ctx: ServiceContext, *, owner_id: str, draft: CaseDraft,
                 description: str = "", origin_channel: str | None = None) -> CaseOpened:
    """The declaring person becomes the case owner; the bot opens its channel. Declaring the
    same title again within REPEAT_WINDOW (a retry after Slack showed a timeout, a double
    submit) returns the case already opened.

    The answer waits only for the case and its intents: a swarm's experts, similar cases and
    forecast are worked out after it (`plan_swarm`, an outbox effect recorded here), while
    its channel is being created."""
    foreseen = _foresee_tiered(ctx, draft, description)
    with ctx.uow() as uow:
        # The (owner, title) row, locked: identical declarations at once, from any process,
        # take turns here, and each sees the case the one before it opened.
        declaration = uow.cases.declaration(owner_id, draft.title)
        twin = _repeat_of(uow, declaration.case_id, declaration.declared_at,
                          ctx.now() - REPEAT_WINDOW)
        if twin is not None:
            return CaseOpened(twin.id, twin.reference, False, twin.mode == CaseMode.SWARM)
        case = uow.cases.add(Case(
            title=draft.title, description=description or draft.description,
            service=draft.service, tags=list(draft.tags), severity=draft.severity,
            mode=_mode(ctx, draft.severity), owner_id=owner_id, requester_id=owner_id,
            source="slack", created_at=ctx.now(),
            # acknowledged as the metric means it: a swarm's declarer owns it from the start;
            # a tiered case waits for its first `/swarm ack`
            acknowledged_at=ctx.now() if _mode(ctx, draft.severity) == CaseMode.SWARM else None,
            is_private=_private(draft), invites=[],  # known empty: never read back
            participants=[Participant(user_id=owner_id, role=ParticipantRole.OWNER,
                                      joined_at=ctx.now())]))
        declaration.case_id, declaration.declared_at = case.id, ctx.now()
        if _profile_unknown(uow, owner_id):  # known from now on: zone and handle from Slack
            effects.sync_profile(uow, owner_id)  # (then kept current by user_change events)
        uow.timeline.record(case.id, TimelineKind.DECLARED, actor=owner_id, at=ctx.now(),
                            severity=draft.severity)
        _open_channel_and_timers(ctx, uow, case, notify_in=origin_channel, foreseen=foreseen)
        uow.commit()
        return _opened(case)


def _repeat_of(uow: UnitOfWork, case_id: int | None, declared_at: datetime | None,
               since: datetime) -> Case | None:
    """The case declared last under this (owner, title), if that was since `since` and it is
    still open."""
    if case_id is None or declared_at is None or declared_at < since:
        return None
    case = uow.cases.get(case_id)
    return case if case is not None and case.status != CaseStatus.RESOLVED else None


def _profile_unknown(uow: UnitOfWork, user_id: str) -> bool:
    """True for someone the bot meets for the first time, or whose zone Slack has not told
    it yet (they become an expert the bot knows)."""
    return uow.experts.get_or_create(user_id).tz is None


def open_case_from_hook(ctx: ServiceContext, *, source: str, external_id: str,
                        draft: CaseDraft, source_url: str | None = None) -> CaseOpened:
    """A case from an alerting or ticketing tool: same flow, no owner until someone claims.
    The requester, when given, must be an active person of the workspace (asked of Slack
    before the transaction, like a new owner). `source_url`: the ticket in that tool (a
    bookmark of the case channel)."""
    if draft.requester is not None:
        require_people(ctx.people, [draft.requester])
    foreseen = _foresee_tiered(ctx, draft, draft.description)
    with ctx.uow() as uow:
        existing = uow.cases.by_external_id(source, external_id)
        if existing is not None:
            return CaseOpened(existing.id, existing.reference, False,
                              existing.mode == CaseMode.SWARM)
        case = open_unowned(ctx, uow, source=source, external_id=external_id, draft=draft,
                            source_url=source_url, history=foreseen)
        if case is None:  # the same delivery at once, elsewhere: it won
            existing = uow.cases.by_external_id(source, external_id)
            assert existing is not None
            return CaseOpened(existing.id, existing.reference, False,
                              existing.mode == CaseMode.SWARM)
        uow.commit()
        return _opened(case)


History = knowledge.Outlook | None  # a tiered case's forecast (a swarm's is planned later)


def ask_the_history(ctx: ServiceContext, draft: CaseDraft) -> History:
    """What the model says of a case from another tool, asked before its transaction."""
    return _foresee_tiered(ctx, draft, draft.description)


def open_unowned(ctx: ServiceContext, uow: UnitOfWork, *, source: str, external_id: str,
                 draft: CaseDraft, source_url: str | None, history: History) -> Case | None:
    """Open a case nobody owns yet, inside `uow` (channel, invites or level, timers,
    bookmarks); None when (source, external id) was added meanwhile by another transaction."""
    foreseen = history
    case = Case(
        title=draft.title, description=draft.description, service=draft.service,
        tags=list(draft.tags), severity=draft.severity, mode=_mode(ctx, draft.severity),
        source=source, external_id=external_id, source_url=source_url, created_at=ctx.now(),
        requester_id=draft.requester, is_private=_private(draft), invites=[],
        participants=[])
    if not uow.cases.add_once(case):
        return None
    uow.timeline.record(case.id, TimelineKind.DECLARED, at=ctx.now(),
                        severity=draft.severity, source=source, external_id=external_id)
    _open_channel_and_timers(ctx, uow, case, foreseen=foreseen)
    return case


def claim_case(ctx: ServiceContext, *, case_id: int | None = None, channel_id: str | None = None,
               user_id: str) -> CaseClaimed:
    """The first person who claims an unowned case becomes its owner."""
    with ctx.uow() as uow:
        case = (uow.cases.get(case_id, for_update=True) if case_id is not None
                else case_in_channel(uow, channel_id or ""))
        if case is None:
            raise Conflict("That case no longer exists.")
        require_open(case)
        if case.owner_id == user_id:
            return CaseClaimed(case.reference, already=True)
        if case.owner_id is not None:
            raise Conflict("Case {reference} is already owned by {owner}.",
                           values={"reference": case.reference},
                           people={"owner": case.owner_id})
        case.owner_id = user_id
        if case.mode == CaseMode.SWARM and case.acknowledged_at is None:  # tiered: the first ack
            case.acknowledged_at = ctx.now()
        add_participant(case, user_id, ParticipantRole.OWNER, ctx.now(), take_role=True)
        uow.timeline.record(case.id, TimelineKind.CLAIMED, actor=user_id, at=ctx.now())
        schedule_status_reminder(ctx, uow, case)
        effects.case_changed(uow, case, members=True)
        effects.post(uow, case=case, note=NoteKind.CLAIMED, user=user_id)
        uow.commit()
        return CaseClaimed(case.reference)


def hand_over(ctx: ServiceContext, *, channel_id: str, actor: str, new_owner: str
              ) -> CaseHandedOver:
    """The owner (or an admin) hands the case to a person Slack knows (asked first)."""
    require_people(ctx.people, [new_owner])
    with ctx.uow() as uow:
        case = case_in_channel(uow, channel_id)
        require_open(case)
        require(ctx, uow, case, actor, "owner", N_("hand the case over"))
        if new_owner == case.owner_id:
            raise InvalidInput("{owner} already owns case {reference}.",
                               values={"reference": case.reference},
                               people={"owner": new_owner})
        previous = case.owner_id
        for participant in case.participants:
            if participant.user_id == previous and participant.role == ParticipantRole.OWNER:
                participant.role = ParticipantRole.RESPONDER
        case.owner_id = new_owner
        add_participant(case, new_owner, ParticipantRole.OWNER, ctx.now(), take_role=True)
        uow.timeline.record(
            case.id,
            TimelineKind.OWNER_CHANGED,
            actor=actor,
            at=ctx.now(),
            previous=previous,
            owner=new_owner,
        )
        effects.case_changed(uow, case, members=True)
        effects.post(uow, case=case, note=NoteKind.HANDED_OVER, actor=actor, previous=previous,
                     owner=new_owner, reference=case.reference)
        uow.commit()
        return CaseHandedOver(case.reference, new_owner)


def change_severity(ctx: ServiceContext, *, channel_id: str, actor: str, severity_text: str
                    ) -> SeverityChanged:
    """A severity that calls for a swarm turns the case into one (experts invited)."""
    severity = parse_severity(severity_text)
    with ctx.uow() as uow:
        case = case_in_channel(uow, channel_id)
        require_open(case)
        require(ctx, uow, case, actor, "severity", N_("change the severity"))
        if severity == case.severity:
            return SeverityChanged(case.reference, severity, already=True)
        previous, was_swarm = case.severity, case.mode == CaseMode.SWARM
        case.severity, case.mode = severity, _mode(ctx, severity)
        uow.timeline.record(case.id, TimelineKind.SEVERITY_CHANGED, actor=actor,
                            at=ctx.now(), previous=previous, severity=severity)
        uow.timers.cancel_for_case(case.id, kinds=[TimerKind.STATUS_REMINDER])
        schedule_status_reminder(ctx, uow, case)
        effects.case_changed(uow, case)
        effects.post(uow, case=case, note=NoteKind.SEVERITY_CHANGED, previous=previous,
                     severity=severity, actor=actor)
        if case.mode != (CaseMode.SWARM if was_swarm else CaseMode.TIERED):
            uow.timeline.record(case.id, TimelineKind.MODE_CHANGED, at=ctx.now(), mode=case.mode)
        on_severity_change(ctx, uow, case, was_swarm=was_swarm, actor=actor)
        if was_swarm and case.mode != CaseMode.SWARM:  # back on the levels: the swarm's asks end
            withdrawn = withdraw_invites(ctx, uow, case)
            if withdrawn:
                uow.timeline.record(case.id, TimelineKind.INVITES_WITHDRAWN, actor=actor,
                                    at=ctx.now(),
                                    experts=[i.expert_id for i in withdrawn])
        if case.mode == CaseMode.SWARM and not was_swarm:
            invite_experts(ctx, uow, case, count=ctx.settings.invite_count, invited_by=actor)
        workflows.on_trigger(ctx, uow, case, "severity_set", actor=actor)
        uow.commit()
        return SeverityChanged(case.reference, severity)


def schedule_status_reminder(ctx: ServiceContext, uow: UnitOfWork, case: Case) -> None:
    minutes = ctx.settings.status_cadence.get(case.severity, 0)
    if minutes <= 0:
        return
    due = ctx.now() + timedelta(minutes=minutes)
    uow.timers.schedule(f"status_reminder:{case.id}:{due.isoformat()}", TimerKind.STATUS_REMINDER,
                        due,
                        case_id=case.id)


def _foresee_tiered(ctx: ServiceContext, draft: CaseDraft, description: str
                    ) -> knowledge.Outlook | None:
    """A tiered case's forecast, asked before the declare transaction: its entry level's
    complexity rules read it. A swarm's is asked after the answer (`plan_swarm`)."""
    if _mode(ctx, draft.severity) == CaseMode.SWARM:
        return None
    return knowledge.foresee(ctx, CaseQuery(
        id="new", title=draft.title, description=description or draft.description,
        service=draft.service, severity=draft.severity, tags=tuple(draft.tags)))


def _open_channel_and_timers(ctx: ServiceContext, uow: UnitOfWork, case: Case, *,
                             notify_in: str | None = None,
                             foreseen: knowledge.Outlook | None = None) -> None:
    if case.mode == CaseMode.SWARM:  # its experts are planned first: they need no channel
        effects.plan_swarm(uow, case, notify_in=notify_in)
    effects.create_channel(uow, case, notify_in=notify_in)
    bookmarks.on_open(ctx, uow, case)
    if case.owner_id is not None:
        schedule_status_reminder(ctx, uow, case)
    if case.mode == CaseMode.SWARM:
        return
    needs_help = knowledge.share_at_declaration(ctx, uow, case, foreseen)
    enter_tiered(ctx, uow, case, actor=case.owner_id, needs_help=needs_help)
    workflows.on_trigger(ctx, uow, case, "declared", actor=case.owner_id)


def plan_swarm(ctx: ServiceContext, *, case_id: int, intent_id: int,
               notify_in: str | None = None) -> SwarmPlanned:
    """The rest of declaring a swarm, once the declarer has their answer: the history's
    similar cases and forecast, the recommended experts invited, the declared-case workflows
    — and the declarer told who was invited (`notify_in`: where they declared it). Run by
    the outbox effect `intent_id` that the declaration recorded; done in the transaction that
    marks that effect done, so a crash before it commits plans again, and after it never
    twice. The model is asked before that transaction (no lock held while it works)."""
    with ctx.uow() as uow:
        case = uow.cases.get(case_id)
        if case is None:
            return SwarmPlanned(done_before=True)
        query, owner = case_query(case), case.owner_id
    foreseen = knowledge.foresee(ctx, query)
    recommended = recommend(ctx, query, count=ctx.settings.invite_count,
                            exclude={owner} if owner else set())
    with ctx.uow() as uow:
        case = uow.cases.get(case_id, for_update=True)
        if case is None or not uow.outbox.settle(intent_id):
            return SwarmPlanned(done_before=True)
        if case.status == CaseStatus.RESOLVED:  # resolved before its experts were chosen
            uow.commit()
            return SwarmPlanned()
        knowledge.share_at_declaration(ctx, uow, case, foreseen)
        # still a swarm, and not given experts meanwhile (raised again, `/swarm experts`)
        if case.mode == CaseMode.SWARM and not case.invites:
            invite_experts(ctx, uow, case, count=ctx.settings.invite_count,
                                     recommended=recommended)
        workflows.on_trigger(ctx, uow, case, "declared", actor=case.owner_id)
        planned = SwarmPlanned(
            tuple(i.expert_id for i in case.invites if i.state == InviteState.PENDING),
            tuple(i.expert_id for i in case.invites if i.state == InviteState.HELD))
        if case.owner_id and notify_in:
            effects.ephemeral(uow, user=case.owner_id, channel=notify_in,
                              note=NoteKind.EXPERTS_CHOSEN, reference=case.reference,
                              invited=list(planned.invited), held=list(planned.held))
        uow.commit()
        return planned


def _private(draft: CaseDraft) -> bool:
    return bool(PRIVATE_TAGS & set(draft.tags))


def _mode(ctx: ServiceContext, severity: str) -> CaseMode:
    return CaseMode.SWARM if severity in ctx.settings.swarm_severity_set else CaseMode.TIERED


MAX_SOURCE, MAX_EXTERNAL_ID = 32, 200


def hook_draft(payload: Any) -> tuple[str, str, CaseDraft]:
    """Validate an inbound webhook body into (source, external id, draft). Each field has
    one type (null counts as absent); a value of another type is refused, never turned into
    text ("True", "{'a': 1}")."""
    if not isinstance(payload, dict):
        raise InvalidInput("The body must be a JSON object.")
    title = _hook_text(payload, "title")
    if not title.strip():
        raise InvalidInput("`title` is required and must be a string.")
    external_id = payload.get("external_id")
    if isinstance(external_id, int) and not isinstance(external_id, bool):
        external_id = str(external_id)
    if not isinstance(external_id, str) or not printable(external_id).strip():
        raise InvalidInput(
            "`external_id` is required: the id in the sending tool, a string or an integer."
        )
    external_id = printable(external_id).strip()
    source = _hook_text(payload, "source").strip() or "webhook"
    if not _SOURCE.fullmatch(source[:MAX_SOURCE + 1]):
        # it names the case's tool in its bookmark and the case feed: a word, never markup
        raise InvalidInput("`source` must be one word naming the sending tool (letters, "
                           "digits, `. - _`), such as \"zabbix\".")
    for name, value, limit in (("source", source, MAX_SOURCE),
                               ("external_id", external_id, MAX_EXTERNAL_ID)):
        if len(value) > limit:  # cut, two different ids could become one case
            raise InvalidInput(f"`{name}` is {len(value)} characters; at most {limit}.")
    severity = parse_severity(_hook_text(payload, "severity") or "sev3")
    tags = payload.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InvalidInput("`tags` must be a list of strings.")
    requester = payload.get("requester")
    if requester is not None and (not isinstance(requester, str)
                                  or not _USER_ID.match(requester.strip())):
        raise InvalidInput(
            "`requester` must be the Slack user id (U…) of the person the case is for."
        )
    private = payload.get("private", False)
    if not isinstance(private, bool):
        raise InvalidInput("`private` must be true or false.")
    if private:
        tags = [*tags, "private"]
    draft = CaseDraft(title=title.strip(), severity=severity,
                      service=_as_word(_hook_text(payload, "service")),
                      tags=tuple(_as_word(t) for t in map(printable, tags) if t.strip()),
                      description=_hook_text(payload, "description"),
                      requester=requester.strip() if requester else None)
    return source, external_id, draft


_SOURCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _as_word(name: str) -> str:
    """A tool's "Payments API" is the service `payments-api`, as someone would type it."""
    return "-".join(name.lower().split())


def _hook_text(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("`{name}` must be a string.", values={"name": name})
    return unmentioned(printable(value))  # a machine's text names nobody into a ping

"""Bringing experts to a swarm: recommend, invite, answer by reaction, expire, add directly."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain.availability import next_working_start, within_working_hours
from bot.domain.errors import InvalidInput
from bot.domain.states import CaseMode, CaseStatus, InviteState, ParticipantRole, TimelineKind
from bot.i18n import N_
from bot.services import cold_start, effects
from bot.services.context import ServiceContext
from bot.services.effects import NoteKind
from bot.services.guards import case_in_channel, require, require_open
from bot.services.participants import add_participant
from bot.services.people import require_people
from models.case import Case, EarlyAnswer, Invite
from models.repositories import with_case_locked
from models.scheduling import TimerKind
from models.uow import UnitOfWork
from skills_index.interface import CaseQuery, Recommendation
from skills_index.rerank import ExpertProfile, rerank

MAX_EXPERTS_PER_ASK = 5
INVITE_TIMERS = (TimerKind.INVITE_EXPIRY, TimerKind.INVITE_RELEASE)


@dataclass(frozen=True)
class InviteAnswer:
    case_id: int
    expert_id: str
    state: str
    changed: bool


def case_query(case: Case) -> CaseQuery:
    return CaseQuery(id=str(case.id), title=case.title, description=case.description or "",
                     service=case.service or "", severity=case.severity,
                     tags=tuple(case.tags or ()))


def recommend(ctx: ServiceContext, query: CaseQuery, *, count: int,
              exclude: set[str]) -> list[Recommendation] | None:
    """The recommender's candidates for `count` invites (None: no model trained yet). Pure
    computation: a new case asks before its transaction opens, so the slash command does not
    hold the database's writer while the model works."""
    model = ctx.recommender()
    if model is None:
        return None
    return model.recommend(query, top=max(10, count * 5), exclude=exclude)


def invite_experts(ctx: ServiceContext, uow: UnitOfWork, case: Case, *, count: int,
                   invited_by: str | None = None,
                   recommended: list[Recommendation] | None = None) -> list[Invite]:
    """Ask the recommender for `count` more experts and invite them (inside the caller's
    transaction); `recommended`: its answer, asked beforehand. Nobody is invited twice to the
    same case."""
    taken = {i.expert_id for i in case.invites} | {p.user_id for p in case.participants}
    if case.owner_id:
        taken.add(case.owner_id)
    if recommended is None:
        recommended = recommend(ctx, case_query(case), count=count, exclude=taken)
    candidates = [c for c in _known_slack_users(uow, recommended or []) if c.expert not in taken]
    cold = not candidates  # no model, or none of its people here: who else fits, and why
    if cold:
        candidates = cold_start.candidates(uow, ctx.policy, case_query(case), exclude=taken)
    profiles = _profiles(ctx, uow, case, [c.expert for c in candidates], cold=cold)
    chosen = rerank(candidates, case=case_query(case), profiles=profiles, owner=case.owner_id,
                    k=count, max_open_swarms=ctx.settings.max_open_swarms)
    held = _held_for_working_hours(ctx, uow, case, candidates, profiles, chosen, count)
    expires_at = ctx.now() + timedelta(minutes=ctx.settings.invite_expiry_minutes)
    invites = [Invite(expert_id=recommendation.expert, reason=recommendation.why,
                      score=float(recommendation.score), invited_by=invited_by,
                      created_at=ctx.now(), expires_at=expires_at)
               for recommendation in chosen]
    case.invites.extend(invites)
    uow.session.flush()  # their ids, in one INSERT
    for invite in invites:
        uow.timeline.record(case.id, TimelineKind.INVITED, actor=invited_by, at=ctx.now(),
                            expert=invite.expert_id, reason=invite.reason, score=invite.score)
        uow.timers.schedule(f"invite_expiry:{invite.id}", TimerKind.INVITE_EXPIRY, expires_at,
                            case_id=case.id, invite_id=invite.id)
        effects.send_invite(uow, invite)
        effects.publish_home(uow, invite.expert_id)
    if not invites and not held:
        cold_start.nobody_invited(ctx, uow, case, model=recommended is not None,
                                  found=len(candidates))
    if invites:
        effects.post(uow, case=case, note=NoteKind.EXPERTS_INVITED,
                     invites=[(i.expert_id, i.reason) for i in invites])
    if held:
        effects.post(uow, case=case, note=NoteKind.INVITES_HELD,
                     held=[(i.expert_id, i.reason, release.isoformat()) for i, release in held])
    return invites


def _held_for_working_hours(ctx: ServiceContext, uow: UnitOfWork, case: Case,
                            candidates: list[Recommendation],
                            profiles: dict[str, ExpertProfile], chosen: list[Recommendation],
                            count: int) -> list[tuple[Invite, datetime]]:
    """When too few good experts are working now, the best of those off hours get an invite
    that is held until their working day begins (never for sev1: then everyone is asked)."""
    missing = count - len(chosen)
    off_hours = {e for e, p in profiles.items() if p.outside_working_hours}
    if missing <= 0 or not off_hours:
        return []
    taken = {c.expert for c in chosen}
    awake = {e: replace(p, outside_working_hours=False) for e, p in profiles.items()}
    later = [r for r in rerank([c for c in candidates if c.expert not in taken],
                               case=case_query(case), profiles=awake, owner=case.owner_id,
                               k=missing, max_open_swarms=ctx.settings.max_open_swarms)
             if r.expert in off_hours]
    experts = uow.experts.many([r.expert for r in later])
    held = []
    for recommendation in later:
        expert = experts[recommendation.expert]
        release = next_working_start(ctx.now(), expert.tz, expert.work_start_hour,
                                     expert.work_end_hour)
        held.append((Invite(expert_id=recommendation.expert, reason=recommendation.why,
                            score=float(recommendation.score), state=InviteState.HELD,
                            created_at=ctx.now()), release))
    case.invites.extend(invite for invite, _ in held)
    uow.session.flush()  # their ids, in one INSERT
    for invite, release in held:
        uow.timeline.record(case.id, TimelineKind.INVITE_HELD, at=ctx.now(),
                            expert=invite.expert_id, release=release.isoformat())
        uow.timers.schedule(f"invite_release:{invite.id}", TimerKind.INVITE_RELEASE, release,
                            case_id=case.id, invite_id=invite.id)
    return held


def withdraw_invites(ctx: ServiceContext, uow: UnitOfWork, case: Case) -> list[Invite]:
    """The swarm is over (resolved, or back on the levels): its pending and held invites are
    cancelled with their expiry and release timers, and sent ones show it in the DM."""
    withdrawn = [i for i in case.invites if i.state in (InviteState.PENDING, InviteState.HELD)]
    for invite in withdrawn:
        invite.state, invite.answered_at = InviteState.CANCELLED, ctx.now()
        effects.update_invite(uow, invite)
        effects.publish_home(uow, invite.expert_id)
    if withdrawn:
        uow.timers.cancel_for_case(case.id, kinds=INVITE_TIMERS)
    return withdrawn


def release_invite(ctx: ServiceContext, uow: UnitOfWork, invite_id: int) -> None:
    """Timer: the expert's working day began — send their held invite (caller commits)."""
    found = with_case_locked(uow.cases, uow.invites, invite_id)
    if found is None:
        return
    case, invite = found
    if (
        invite.state != InviteState.HELD
        or case.status == CaseStatus.RESOLVED
        or case.mode != CaseMode.SWARM
    ):
        return
    invite.state, invite.created_at = InviteState.PENDING, ctx.now()
    invite.expires_at = ctx.now() + timedelta(minutes=ctx.settings.invite_expiry_minutes)
    uow.timeline.record(
        case.id,
        TimelineKind.INVITE_RELEASED,
        at=ctx.now(),
        expert=invite.expert_id,
    )
    uow.timers.schedule(f"invite_expiry:{invite.id}", TimerKind.INVITE_EXPIRY, invite.expires_at,
                        case_id=case.id, invite_id=invite.id)
    effects.send_invite(uow, invite)
    effects.publish_home(uow, invite.expert_id)


def answer_invite(ctx: ServiceContext, *, channel: str, ts: str, user_id: str,
                  accepted: bool, event_id: str | None = None) -> InviteAnswer | None:
    """An expert reacted to their invite. None if the message is not an invite to them, if
    the event is a retry of one already handled, or if the answer came before the bot
    recorded the invite's ts (kept, and applied when it is: `answer_early`). Answering an
    invite that is no longer pending tells the expert what state it is in."""
    for first_look in (True, False):
        with ctx.uow() as uow:
            invite = uow.invites.by_message(channel, ts)
            if invite is None:
                if not (first_look and channel.startswith("D")):  # invites are DMs
                    return None
                if not _recorded_meanwhile(ctx, uow, channel=channel, ts=ts, user_id=user_id,
                                           accepted=accepted, event_id=event_id):
                    return None
                continue  # answer it in a transaction that holds no invite's lock
            if invite.expert_id != user_id:
                return None
            if event_id and not uow.events.first_time(event_id):
                return None
            answer = _answer(ctx, uow, invite.id, accepted=accepted, channel=channel)
            uow.commit()
            return answer
    return None


def _recorded_meanwhile(ctx: ServiceContext, uow: UnitOfWork, *, channel: str, ts: str,
                        user_id: str, accepted: bool, event_id: str | None) -> bool:
    """A reaction on a DM message the bot does not know: if the expert has an invite posted
    but maybe not recorded yet, keep the answer for when it is (committed here) — unless its
    ts was recorded just now (True: look again)."""
    # Lock the expert's unrecorded invites: a ts is recorded after this transaction (and
    # then finds the answer kept), or before the look just below (which finds it).
    unrecorded = uow.invites.unrecorded_for(user_id)
    if uow.invites.by_message(channel, ts) is not None:
        return True
    if unrecorded and (not event_id or uow.events.first_time(event_id)):
        uow.early_answers.add(EarlyAnswer(dm_channel=channel, message_ts=ts, user_id=user_id,
                                          accepted=accepted, received_at=ctx.now()))
        uow.commit()
    return False


def answer_early(ctx: ServiceContext, invite_id: int) -> None:
    """The invite's ts is recorded: apply the reactions that came before it, in order."""
    with ctx.uow() as uow:
        found = with_case_locked(uow.cases, uow.invites, invite_id)
        if found is None:
            return
        _, invite = found
        if invite.message_ts is None or invite.dm_channel is None:
            return
        for early in uow.early_answers.take(invite.dm_channel, invite.message_ts):
            if early.user_id == invite.expert_id:
                _answer(ctx, uow, invite.id, accepted=early.accepted, channel=early.dm_channel)
        uow.commit()


def _answer(ctx: ServiceContext, uow: UnitOfWork, invite_id: int, *, accepted: bool,
            channel: str) -> InviteAnswer:
    """Apply one answer to the invite; decided on the invite as it is once its case is
    locked, so of N answers at once exactly one changes it."""
    found = with_case_locked(uow.cases, uow.invites, invite_id)
    assert found is not None
    case, invite = found
    user_id = invite.expert_id
    if invite.state != InviteState.PENDING or case.status == CaseStatus.RESOLVED:
        effects.ephemeral(uow, user=user_id, channel=channel,
                          note=NoteKind.INVITE_CLOSED, reference=case.reference, state=invite.state,
                          resolved=case.status == CaseStatus.RESOLVED, owner=case.owner_id,
                          case_channel=case.channel_id,
                          left=any(p.user_id == user_id and p.left_at is not None
                                   for p in case.participants))
        return InviteAnswer(case.id, user_id, invite.state, False)
    invite.state = InviteState.ACCEPTED if accepted else InviteState.DECLINED
    invite.answered_at = ctx.now()
    _cancel_expiry(uow, invite)
    effects.update_invite(uow, invite)
    effects.publish_home(uow, user_id)
    if accepted:
        _join(ctx, uow, case, user_id, role=ParticipantRole.EXPERT)
        uow.timeline.record(case.id, TimelineKind.INVITE_ACCEPTED, actor=user_id, at=ctx.now(),
                            expert=user_id)
        effects.post(uow, case=case, note=NoteKind.INVITE_ACCEPTED, user=user_id)
    else:
        uow.timeline.record(case.id, TimelineKind.INVITE_DECLINED, actor=user_id, at=ctx.now(),
                            expert=user_id)
        invite_experts(ctx, uow, case, count=1)
    return InviteAnswer(case.id, user_id, invite.state, True)


def expire_invite(ctx: ServiceContext, uow: UnitOfWork, invite_id: int) -> None:
    """Timer: an unanswered invite expires and the next expert is asked (caller commits)."""
    found = with_case_locked(uow.cases, uow.invites, invite_id)
    if found is None or found[1].state != InviteState.PENDING:
        return
    case, invite = found
    invite.state, invite.answered_at = InviteState.EXPIRED, ctx.now()
    effects.update_invite(uow, invite)
    uow.timeline.record(case.id, TimelineKind.INVITE_EXPIRED, at=ctx.now(),
                        expert=invite.expert_id)
    if case.status != CaseStatus.RESOLVED and case.mode == CaseMode.SWARM:  # replaced
        invite_experts(ctx, uow, case, count=1)


# -- what the commands tell the person who ran them (rendered in bot/slack/replies.py) ------
@dataclass(frozen=True)
class PeopleAdded:
    reference: str
    added: tuple[str, ...]  # empty: all of them were in the swarm already


@dataclass(frozen=True)
class ExpertsInvited:
    invited: tuple[str, ...]  # empty: nobody left to suggest
    held: tuple[str, ...] = ()  # invited when their working day starts


def add_people(ctx: ServiceContext, *, channel_id: str, actor: str, user_ids: list[str]
               ) -> PeopleAdded:
    """`/swarm invite @a @b`: the owner adds people straight to the swarm."""
    if not user_ids:
        raise InvalidInput("Mention who to add, e.g. `/swarm invite @dana` (pick them from "
                           "Slack's autocomplete so the mention is a real user).")
    require_people(ctx.people, user_ids)
    with ctx.uow() as uow:
        case = case_in_channel(uow, channel_id)
        require_open(case)
        require(ctx, uow, case, actor, "invite", N_("add people to the swarm"))
        added = [u for u in user_ids if _join(ctx, uow, case, u, role=ParticipantRole.RESPONDER)]
        for user in added:
            for invite in case.invites:
                if invite.expert_id == user and invite.state == InviteState.PENDING:
                    invite.state, invite.answered_at = InviteState.ACCEPTED, ctx.now()
                    _cancel_expiry(uow, invite)
                    effects.update_invite(uow, invite)
            uow.timeline.record(case.id, TimelineKind.ADDED, actor=actor, at=ctx.now(), user=user)
        if added:
            effects.post(uow, case=case, note=NoteKind.PEOPLE_ADDED, actor=actor, users=added)
        uow.commit()
        return PeopleAdded(case.reference, tuple(added))


def ask_for_more(ctx: ServiceContext, *, channel_id: str, actor: str, count: int
                 ) -> ExpertsInvited:
    """`/swarm experts [n]`: invite n more recommended experts."""
    if not 1 <= count <= MAX_EXPERTS_PER_ASK:
        raise InvalidInput("Ask for 1 to {limit} experts at a time.",
                           values={"limit": MAX_EXPERTS_PER_ASK})
    with ctx.uow() as uow:
        case = case_in_channel(uow, channel_id)
        require_open(case)
        require(ctx, uow, case, actor, "experts", N_("invite more experts"))
        before = len(case.invites)
        invites = invite_experts(ctx, uow, case, count=count, invited_by=actor)
        held = tuple(i.expert_id for i in case.invites[before:] if i.state == InviteState.HELD)
        uow.commit()
        return ExpertsInvited(tuple(i.expert_id for i in invites), held)


def _join(ctx: ServiceContext, uow: UnitOfWork, case: Case, user_id: str, *,
          role: ParticipantRole) -> bool:
    if not add_participant(case, user_id, role, ctx.now()):
        return False
    effects.participants_changed(uow, case)
    return True


def _cancel_expiry(uow: UnitOfWork, invite: Invite) -> None:
    uow.timers.cancel(f"invite_expiry:{invite.id}")


def _known_slack_users(uow: UnitOfWork, recommendations: list[Recommendation]
                       ) -> list[Recommendation]:
    """History may name people by handle; the swarm needs Slack user ids. One person named
    both ways (a handle in the imported history, their user id in swarmbot's own cases) is
    one candidate, at their best rank: never two invites to one person."""
    ids = uow.experts.slack_ids(r.expert for r in recommendations)
    known: dict[str, Recommendation] = {}
    for r in recommendations:
        if r.expert in ids and ids[r.expert] not in known:
            known[ids[r.expert]] = Recommendation(expert=ids[r.expert], score=r.score, why=r.why)
    return list(known.values())


def _profiles(ctx: ServiceContext, uow: UnitOfWork, case: Case, user_ids: list[str], *,
              cold: bool = False) -> dict[str, ExpertProfile]:
    """`cold`: the candidates' reasons already name their declared skills (not boosted
    twice)."""
    experts = uow.experts.many(user_ids)
    load = uow.cases.open_swarm_load(user_ids, invited=True)
    urgent = case.severity == "sev1"
    profiles = {}
    for user_id in user_ids:
        expert = experts.get(user_id)
        outside = expert is not None and not urgent and not within_working_hours(
            ctx.now(), expert.tz, expert.work_start_hour, expert.work_end_hour)
        profiles[user_id] = ExpertProfile(
            expert=user_id, skills=frozenset(expert.skills if expert and not cold else ()),
            away=bool(expert and expert.away), outside_working_hours=outside,
            open_swarms=load.get(user_id, 0))
    return profiles

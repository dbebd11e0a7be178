"""Who to invite when the expert model has no one to suggest — a new install with no history
imported, or a model that knows nobody in this workspace: people who declared a skill the
case names, the policy's responders (in person, on call, in a user group) for the case's
service, and whoever resolved swarmbot's own cases like it. Each reason says which; someone
found several ways has all of them. When there is truly nobody, the case channel is told,
with what to do next (worded in bot/slack/notes.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from bot.domain.policy import PathPolicy, Policy
from bot.domain.states import InviteState, TimelineKind
from bot.services import effects
from bot.services.context import ServiceContext
from bot.services.effects import NoteKind
from models.case import Case
from models.expertise import SWARMBOT_ORIGIN, ResolutionRecord
from models.uow import UnitOfWork
from skills_index.interface import CaseQuery, Recommendation
from skills_index.rerank import case_words

# How much each kind of evidence counts (the re-ranking then leaves out who cannot come):
# having resolved a case like it here beats saying you know it, which beats being listed.
RESOLVED, DECLARED, LISTED = 3.0, 2.0, 1.0
MORE = 0.5  # each further case resolved or skill matched


@dataclass
class _Found:
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)


def candidates(uow: UnitOfWork, policy: Policy, query: CaseQuery, *, exclude: set[str]
               ) -> list[Recommendation]:
    """Everyone the bot can find for `query` without a model, best first, none in
    `exclude` (inside the caller's transaction)."""
    found: dict[str, _Found] = defaultdict(_Found)
    for user, score, reason in (*_resolved_here(uow, query), *_declared(uow, query),
                                *_listed(uow, policy, query)):
        if user in exclude:
            continue
        found[user].score += score
        found[user].reasons.append(reason)
    ranked = sorted(found.items(), key=lambda item: -item[1].score)
    return [Recommendation(expert=user, score=round(f.score, 4), why="; ".join(f.reasons))
            for user, f in ranked]


def _declared(uow: UnitOfWork, query: CaseQuery) -> list[tuple[str, float, str]]:
    words = case_words(query)
    out = []
    for user, skills in uow.experts.declared_skills().items():
        matched = [s for s in skills if s.lower() in words]
        if matched:
            named = ", ".join(f"`{s}`" for s in matched[:3])
            out.append((user, DECLARED + MORE * (len(matched) - 1),
                        f"declared skill{'s' if len(matched) > 1 else ''} {named}"))
    return out


def _resolved_here(uow: UnitOfWork, query: CaseQuery) -> list[tuple[str, float, str]]:
    """Resolvers of swarmbot's resolved cases on the same service (or sharing a tag)."""
    alike = [(record, about) for record in uow.history.resolved_here()
             if (about := _shared_topic(record, query)) is not None]
    ids = uow.experts.slack_ids({r for record, _ in alike for r in record.resolvers or []})
    by_person: dict[str, list[str]] = defaultdict(list)
    topic: dict[str, str] = {}
    for record, about in alike:
        for person in dict.fromkeys(ids[r] for r in record.resolvers or [] if r in ids):
            by_person[person].append(_reference(record))
            topic.setdefault(person, about)
    out = []
    for person, cases in by_person.items():
        shown = ", ".join(cases[:3]) + (f" and {len(cases) - 3} more" if len(cases) > 3 else "")
        out.append((person, RESOLVED + MORE * (len(cases) - 1),
                    f"resolved case{'s' if len(cases) > 1 else ''} {shown} on {topic[person]}"))
    return out


def _shared_topic(record: ResolutionRecord, query: CaseQuery) -> str | None:
    if query.service and record.service == query.service:
        return f"`{query.service}`"
    shared = [t for t in query.tags if t in (record.tags or [])]
    return f"`{shared[0]}`" if shared else None


def _reference(record: ResolutionRecord) -> str:
    number = record.history_id.removeprefix(f"{SWARMBOT_ORIGIN}-")
    return f"#{int(number):04d}" if number.isdigit() else record.history_id


def _listed(uow: UnitOfWork, policy: Policy, query: CaseQuery) -> list[tuple[str, float, str]]:
    """The responders of the levels on the path for the case's service or tags; with no
    such path, those of the first level (the front line every case starts at)."""
    path = _path_for(policy, query)
    levels = path.levels if path is not None else policy.ordered[:1]
    about = _path_topic(path, query) if path is not None else None
    out = []
    for rank, level in enumerate(levels):
        configured = policy.level(level)
        where = f"for {about} in the policy ({level})" if about else f"at {level} in the policy"
        score = LISTED - 0.01 * rank  # lower levels first: the front line
        people = [(p, f"responder {where}") for p in configured.users]
        if configured.rotation is not None:
            people.append((configured.rotation.on_call(uow.now()), f"on call {where}"))
        ids = uow.experts.slack_ids(p for p, _ in people)
        out += [(ids[p], score, reason) for p, reason in people if p in ids]
        groups = [r for r in configured.responders if r.startswith("S")]
        for members in uow.groups.members(groups).values():
            out += [(m, score, f"in a responder group {where}") for m in members]
    return out


def _path_for(policy: Policy, query: CaseQuery) -> PathPolicy | None:
    return next((p for p in policy.paths
                 if query.service in p.services or set(query.tags) & set(p.tags)), None)


def _path_topic(path: PathPolicy, query: CaseQuery) -> str:
    if query.service in path.services:
        return f"`{query.service}`"
    return f"`{next(t for t in query.tags if t in path.tags)}`"


def nobody_invited(ctx: ServiceContext, uow: UnitOfWork, case: Case, *, model: bool,
                   found: int) -> None:
    """No one was found to invite: on the timeline; and when nobody is coming at all (no
    invite waiting, nobody but the owner in the swarm), in the case channel with the next
    steps, addressed to the owner."""
    uow.timeline.record(case.id, TimelineKind.NO_RECOMMENDATION,
                        f"Nobody to invite: the {found} who fit are away or busy" if found
                        else "Nobody to invite: no expert model suggestion, declared skill, "
                        "policy responder or resolved case fits", at=ctx.now(), model=model,
                        found=found)
    waiting = any(i.state in (InviteState.PENDING, InviteState.HELD) for i in case.invites)
    helping = any(p.user_id != case.owner_id and p.left_at is None for p in case.participants)
    if waiting or helping:
        return
    effects.post(uow, case=case, note=NoteKind.NOBODY_TO_INVITE, owner=case.owner_id,
                 service=case.service or "", model=model, found=found,
                 asked_before=bool(case.invites))

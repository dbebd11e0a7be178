"""Who is at a level: a level's responders as Slack user ids (people, @handles, user groups
and the on-call rotation), and the levels someone responds at."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.policy import Policy, rank
from models.uow import UnitOfWork


def responder_ids(uow: UnitOfWork, policy: Policy, level: str) -> list[str]:
    """The level's responders as Slack user ids, members of its user groups included (as far
    as the bot has read them from Slack)."""
    configured = policy.level(level)
    on_call = (configured.rotation.on_call(uow.now()),) if configured.rotation else ()
    users, groups = resolve_people(uow, (*configured.responders, *on_call))
    members = uow.groups.members(groups)
    return list(dict.fromkeys([*users, *(u for g in groups for u in members.get(g, []))]))


def resolve_people(uow: UnitOfWork, refs: Iterable[str]) -> tuple[list[str], list[str]]:
    """User ids, @handles (through the people the bot knows) and user group ids (S…) →
    (user ids, user group ids). Unknown handles are left out."""
    refs = list(refs)
    groups = [r for r in refs if r.startswith("S")]
    ids = uow.experts.slack_ids(r for r in refs if not r.startswith("S"))
    return list(dict.fromkeys(ids[r] for r in refs if r in ids)), groups


def may_respond(uow: UnitOfWork, policy: Policy, user: str, level: str) -> bool:
    """Listed at `level` or above (in person or in a user group) — or anyone, when the level
    names no one it can check (no responders, or a user group not read from Slack yet)."""
    configured = policy.level(level).responders
    groups = [r for r in configured if r.startswith("S")]
    if (not configured and policy.level(level).rotation is None) or \
            len(uow.groups.members(groups)) < len(groups):
        return True
    return at_or_above(uow, policy, user, level)


def levels_of(uow: UnitOfWork, policy: Policy, user: str) -> list[str]:
    return [level for level in policy.ordered if user in responder_ids(uow, policy, level)]


def at_or_above(uow: UnitOfWork, policy: Policy, user: str, level: str) -> bool:
    return any(rank(mine) >= rank(level) for mine in levels_of(uow, policy, user))

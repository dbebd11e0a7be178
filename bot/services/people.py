"""Who a policy or a workflow names: user ids, @handles and user group ids, as Slack ids."""

from __future__ import annotations

from collections.abc import Iterable

from models.uow import UnitOfWork


def resolve_people(uow: UnitOfWork, refs: Iterable[str]) -> tuple[list[str], list[str]]:
    """User ids, @handles (through the people the bot knows) and user group ids (S…) →
    (user ids, user group ids). Unknown handles are left out."""
    refs = list(refs)
    groups = [r for r in refs if r.startswith("S")]
    ids = uow.experts.slack_ids(r for r in refs if not r.startswith("S"))
    return list(dict.fromkeys(ids[r] for r in refs if r in ids)), groups

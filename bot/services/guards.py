"""Lookups and permission checks shared by use cases; each failure is a typed domain error."""

from __future__ import annotations

from bot.domain.errors import Conflict, NotAllowed, NotFound
from models.case import Case
from models.uow import UnitOfWork


def case_in_channel(uow: UnitOfWork, channel_id: str) -> Case:
    case = uow.cases.by_channel(channel_id, for_update=True)
    if case is None:
        raise NotFound("Run this in a case channel (the `swarm-…` channel of a case); "
                       "`/swarm list` shows the open cases.")
    return case


def case_by_id(uow: UnitOfWork, case_id: int) -> Case:
    case = uow.cases.get(case_id, for_update=True)
    if case is None:
        raise NotFound(f"There is no case #{case_id:04d}.")
    return case


def require_owner(case: Case, actor: str, admins: frozenset[str], action: str) -> None:
    if case.owner_id is None:
        raise Conflict(f"Case {case.reference} has no owner yet; claim it first with "
                       "`/swarm claim`.")
    if actor != case.owner_id and actor not in admins:
        raise NotAllowed(f"Only the case owner <@{case.owner_id}> (or a swarmbot admin) can "
                         f"{action}.")


def require_open(case: Case) -> None:
    if case.status == "resolved":
        raise Conflict(f"Case {case.reference} is resolved; `/swarm reopen` it first.")

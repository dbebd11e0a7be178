"""Declaring a case in service tests as `/swarm new` does, then planning it as the outbox
does a moment later (`cases.plan_swarm`, run here on the test's thread)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.services import cases
from bot.services.context import ServiceContext
from bot.services.effects import Effect
from models.scheduling import OutboxMessage, OutboxState


def declare(services: ServiceContext, **kwargs: Any) -> cases.CaseOpened:
    opened = cases.declare_case(services, **kwargs)
    plan(services, opened.case_id)
    return opened


def plan(services: ServiceContext, case_id: int) -> cases.SwarmPlanned | None:
    """Plan the case's swarm if its declaration left that to do (None: nothing was left)."""
    with services.uow() as uow:
        intent = uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == Effect.PLAN_SWARM, OutboxMessage.case_id == case_id,
            OutboxMessage.state == OutboxState.PENDING)).first()
        found = (intent.id, intent.payload.get("notify_in")) if intent else None
    if found is None:
        return None
    return cases.plan_swarm(services, case_id=case_id, intent_id=found[0], notify_in=found[1])

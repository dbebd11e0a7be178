"""Not a Slack call: planning a declared swarm after its declarer had the answer (the use
case `cases.plan_swarm`, in a transaction of its own that marks this effect done)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from models.scheduling import OutboxMessage
from models.uow import UnitOfWork

Plan = Callable[[int, int, str | None], object]  # (case id, effect id, where it was declared)


class PlanSwarm:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> tuple[int, str | None] | None:
        if message.case_id is None:
            return None
        return message.case_id, message.payload.get("notify_in")

    def send(self, message: OutboxMessage, plan: tuple[int, str | None]) -> dict[str, Any]:
        case_id, notify_in = plan
        self.plan(case_id, message.id, notify_in)
        return {}

    def apply(self, message: OutboxMessage, result: dict[str, Any], uow: UnitOfWork) -> None:
        return None

"""What an executor is, and what it may answer besides a result."""

from __future__ import annotations

from typing import Any, Protocol

from models.scheduling import OutboxMessage
from models.uow import UnitOfWork


class NotReady(Exception):
    """The effect depends on something not there yet (e.g. the case channel); try soon.
    `needs`: the dedupe key of the effect that brings it — when that one failed for good,
    so does this one (it would wait forever)."""

    def __init__(self, reason: str = "", *, needs: str | None = None) -> None:
        super().__init__(reason)
        self.needs = needs


class Later(Exception):
    """Slack asked to slow down (429, Retry-After), or the call's rate-limit budget is spent:
    nothing was done; send again without counting an attempt and without a worker sleeping
    meanwhile — after `seconds`, or, with `waits_for` (a budget's key), as soon as that budget
    has room (the claim skips the effect until then)."""

    def __init__(self, seconds: float, *, waits_for: str | None = None) -> None:
        what = f"waiting for {waits_for}'s rate limit" if waits_for else "rate limited"
        super().__init__(f"{what}; again in {seconds:.3g} s")
        self.seconds, self.waits_for = seconds, waits_for


class PermanentFailure(Exception):
    """Retrying will not help (e.g. the channel was deleted); give up and record why."""


class DependencyFailed(PermanentFailure):
    """What the effect waited for failed for good (the owner is told about that one)."""


class EffectExecutor(Protocol):
    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> Any | None:
        """Read what sending needs, as plain data; None means nothing to do any more."""

    def send(self, message: OutboxMessage, prepared: Any) -> dict[str, Any]:
        """Make the Slack calls. Raise NotReady, PermanentFailure, or anything (retried)."""

    def apply(self, message: OutboxMessage, result: dict[str, Any], uow: UnitOfWork) -> None:
        """Record the result (message ts, channel id...) and any follow-up effects."""

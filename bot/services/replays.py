"""Each signed Slack request is handled once. Slack accepts a request's timestamp for 5
minutes, so the same bytes with the same signature — captured, or sent twice by a proxy —
would otherwise open a second case or record a second status update.

The request's key (a hash of its signature, which covers its timestamp and body) is recorded
in the same transaction as the use case it causes: `handling(key)` marks the request being
served, and every unit of work committed while it is served records the key first
(`record`, the UnitOfWork's before-commit hook) — the second copy of a request finds the key
there and its whole transaction is refused (AlreadyHandled). A request whose use case failed
recorded nothing, so Slack's retry still goes through. `seen` lets the web layer drop a
replay before running anything; `forget_expired` drops keys once Slack would refuse their
timestamp anyway."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from bot.domain.errors import AlreadyHandled
from bot.services.context import ServiceContext
from models.uow import UnitOfWork

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=5)  # how far from now Slack's (and bolt's) timestamp check allows
MARGIN = timedelta(minutes=1)
EVENT_IDS_KEPT = timedelta(days=1)  # Slack retries an event for about 5 minutes


@dataclass
class _Request:
    key: str
    seen_until: datetime
    recorded: bool = False


_serving: ContextVar[_Request | None] = ContextVar("swarmbot_slack_request", default=None)


def request_key(signature: str) -> str:
    return hashlib.sha256(signature.encode("ascii", "replace")).hexdigest()


def seen_until(timestamp: int) -> datetime:
    """Until when a request signed at `timestamp` (Slack's clock, Unix seconds) could come
    again and pass the signature check."""
    return datetime.fromtimestamp(timestamp, UTC) + WINDOW + MARGIN


@contextmanager
def handling(key: str, until: datetime) -> Iterator[None]:
    token = _serving.set(_Request(key, until))
    try:
        yield
    finally:
        _serving.reset(token)


def record(uow: UnitOfWork) -> None:
    """Before a unit of work commits: note the request being served, once per request."""
    request = _serving.get()
    if request is None or request.recorded:
        return
    if not uow.requests.first_time(request.key, request.seen_until):
        raise AlreadyHandled("That request was already handled; nothing was done twice.")
    request.recorded = True


def seen(ctx: ServiceContext, key: str) -> bool:
    """Whether the request was handled already. With the database unreachable it says no:
    the request then goes on to its use case, whose commit records the key (and refuses a
    replay) — and whose failure the user is told about in the usual words."""
    try:
        with ctx.uow().reading() as uow:
            return uow.requests.seen(key)
    except SQLAlchemyError as error:
        log.warning("could not look up a Slack request's key (%s)", type(error).__name__)
        return False


def forget_expired(ctx: ServiceContext) -> int:
    """Drop request keys past their window (wall-clock time: Slack's timestamps are real
    time, whatever clock the services run on) and event ids older than a day."""
    now = datetime.now(UTC)
    with ctx.uow() as uow:
        dropped = uow.requests.forget_before(now)
        dropped += uow.events.forget_before(now - EVENT_IDS_KEPT)
        uow.commit()
    return dropped

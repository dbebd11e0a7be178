"""Unit of work: one transaction per use case, with the repositories it needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from models.base import utcnow
from models.case import TimelineEvent
from models.db import READ_ONLY
from models.repositories import (
    AlertRepository,
    ApprovalRepository,
    CaseRepository,
    EarlyAnswerRepository,
    ExpertRepository,
    FollowUpRepository,
    HistoryRepository,
    InviteRepository,
    LevelRepository,
    OutboxRepository,
    ProcessedEventRepository,
    ProcessedRequestRepository,
    StatusUpdateRepository,
    TimelineRepository,
    TimerRepository,
    UserGroupRepository,
)


class UnitOfWork:
    """`with uow: ...; uow.commit()` — anything not committed is rolled back on exit."""

    session: Session

    def __init__(self, session_factory: sessionmaker[Session],
                 now: Callable[[], datetime] = utcnow, *,
                 on_event: Callable[[UnitOfWork, TimelineEvent], None] | None = None,
                 before_commit: Callable[[UnitOfWork], None] | None = None) -> None:
        """`on_event` sees every timeline event as it is recorded, in the same transaction
        (the case feed to other tools hangs on it); `before_commit` runs inside the
        transaction just before it commits and may refuse it by raising (a replayed Slack
        request is recorded there, with the use case it caused)."""
        self._session_factory = session_factory
        self.now = now
        self._on_event = on_event
        self._before_commit = before_commit
        self._options: dict[str, bool] = {}

    def reading(self) -> UnitOfWork:
        """This unit of work only reads: it does not take the database's writer (SQLite) and
        refuses to commit."""
        self._options[READ_ONLY] = True
        return self

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        if self._options:
            self.session.connection(execution_options=self._options)
        self.cases = CaseRepository(self.session)
        self.alerts = AlertRepository(self.session)
        self.invites = InviteRepository(self.session)
        on_event = self._on_event
        self.timeline = TimelineRepository(
            self.session, on_record=(lambda e: on_event(self, e)) if on_event else None)
        self.status_updates = StatusUpdateRepository(self.session)
        self.outbox = OutboxRepository(self.session, self.now)
        self.timers = TimerRepository(self.session)
        self.experts = ExpertRepository(self.session)
        self.history = HistoryRepository(self.session)
        self.events = ProcessedEventRepository(self.session)
        self.requests = ProcessedRequestRepository(self.session)
        self.levels = LevelRepository(self.session)
        self.approvals = ApprovalRepository(self.session)
        self.followups = FollowUpRepository(self.session)
        self.groups = UserGroupRepository(self.session)
        self.early_answers = EarlyAnswerRepository(self.session)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        if self._options.get(READ_ONLY):
            raise RuntimeError("a reading unit of work cannot commit; use ctx.uow()")
        if self._before_commit is not None:
            self._before_commit(self)
        self.outbox.write_pending()
        self.timers.write_pending()
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

"""Repositories: queries and inserts on one session. They never commit — the unit of work
does, once per use case."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import CursorResult, Executable, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.domain.states import AlertStatus, ApprovalState, CaseMode, CaseStatus, InviteState
from models.alerts import Alert, AlertGroup
from models.audit import GENESIS, event_hash
from models.base import utcnow
from models.case import (
    Approval,
    Case,
    Declaration,
    EarlyAnswer,
    FollowUp,
    Invite,
    LevelChange,
    Participant,
    StatusUpdate,
    TimelineEvent,
)
from models.expertise import (
    SWARMBOT_ORIGIN,
    Expert,
    ProcessedEvent,
    ProcessedRequest,
    ResolutionRecord,
    UserGroupMember,
    UserGroupSync,
)
from models.scheduling import OutboxMessage, OutboxState, Timer, TimerState

MAX_ID = 2**31 - 1  # ids are INTEGER columns (PostgreSQL: 32 bits)


def insert_once(session: Session, row: object) -> bool:
    """Insert `row` unless a unique constraint says it is already there (portable upsert)."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
        return True
    except IntegrityError:
        return False


def _insert_or_nothing(session: Session, model: type[Any]) -> Any:
    """INSERT … ON CONFLICT DO NOTHING into `model`'s table, in the session's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql_insert(model.__table__).on_conflict_do_nothing()
    return sqlite_insert(model.__table__).on_conflict_do_nothing()


def insert_ignoring_conflict(session: Session, model: type[Any], row: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL): a row that must exist once.
    On PostgreSQL it waits for a concurrent insert of the same key to commit or roll back,
    so a read after it finds the row either way."""
    session.execute(_insert_or_nothing(session, model).values(**row))


def changed_rows(session: Session, stmt: Executable) -> int:
    """Run an UPDATE or DELETE; how many rows it changed."""
    result: CursorResult[Any] = session.execute(stmt)  # type: ignore[assignment]
    return result.rowcount or 0


def locked(stmt: Any) -> Any:
    """`stmt` taking the row lock (SELECT … FOR NO KEY UPDATE; SQLite's writer is taken at
    BEGIN) and re-reading the row: an object this session read before the lock is refreshed,
    not trusted (the identity map would otherwise hand back its stale state).

    NO KEY UPDATE, not UPDATE: the bot never changes a primary key, and PostgreSQL's foreign
    key checks take KEY SHARE on the referenced row (an outbox or timeline row's case) —
    which FOR UPDATE blocks. With FOR UPDATE, a use case holding its case's lock and a
    delivery updating one of that case's outbox rows waited for each other (a deadlock under
    simultaneous commands); NO KEY UPDATE still orders use cases on one case."""
    return stmt.with_for_update(key_share=True).execution_options(populate_existing=True)


# session.info key set when a transaction recorded Slack side effects: its commit wakes the
# delivery (bot.bootstrap listens for it). Its value counts the locks recorded under (one
# deliverer each: that many may go side by side), or is True. RECORDED_LOCKS: the locks of
# the urgent effects it recorded.
RECORDED_EFFECTS = "outbox_recorded"
RECORDED_LOCKS = "outbox_recorded_locks"


class PendingInserts:
    """Rows to insert unless their natural key is there already — INSERT … ON CONFLICT DO
    NOTHING, SQLite and PostgreSQL — kept until the transaction commits or reads their
    table, then written in one statement (a declared case records a dozen outbox rows and
    timers inside the transaction the slash command waits for)."""

    def __init__(self, session: Session, model: type[Any],
                 key: str | Callable[[dict[str, Any]], Any]) -> None:
        self.session, self.model = session, model
        self.key = key if callable(key) else (lambda row: row[key])
        self._rows: dict[Any, dict[str, Any]] = {}

    def add(self, row: dict[str, Any]) -> None:
        self._rows.setdefault(self.key(row), row)

    def forget(self) -> None:
        """Drop the rows not written yet (what a rolled-back savepoint recorded)."""
        self._rows = {}

    def write(self) -> None:
        if not self._rows:
            return
        rows, self._rows = list(self._rows.values()), {}
        self.session.flush()  # rows these refer to (the case, the invite) go first
        self.session.execute(_insert_or_nothing(self.session, self.model), rows)


PENDING = TimerState.PENDING  # a timer's, and an outbox message's (OutboxState.PENDING)


def claim_leased(session: Session, model: type[OutboxMessage] | type[Timer], *, due: Any,
                 order: tuple[Any, ...], now: datetime, lease_until: datetime, limit: int,
                 **claim: Any) -> list[int]:
    """Claim up to `limit` due, pending rows with a lease until `lease_until`: rows another
    process holds an unexpired lease on are skipped; an expired lease (a crash) is taken over."""
    free = or_(model.claimed_until.is_(None), model.claimed_until < now)
    due_ids = session.scalars(select(model.id).where(model.state == PENDING, due <= now, free)
                              .order_by(*order).limit(limit)).all()
    claimed = []
    for row_id in due_ids:
        stmt = (update(model).where(model.id == row_id, model.state == PENDING, free)
                .values(claimed_until=lease_until, **claim))
        if changed_rows(session, stmt) == 1:
            claimed.append(row_id)
    return claimed


_OfACase = TypeVar("_OfACase", Invite, FollowUp, Approval)
_Row_co = TypeVar("_Row_co", Invite, FollowUp, Approval, covariant=True)


class _RowsOfCases(Protocol[_Row_co]):
    def get(self, row_id: int, /, *, for_update: bool = False) -> _Row_co | None: ...


def with_case_locked(cases: CaseRepository, rows: _RowsOfCases[_OfACase], row_id: int
                     ) -> tuple[Case, _OfACase] | None:
    """A row of a case (invite, follow-up, approval) with its case locked, then the row read
    afresh: its state as it is now, not as this transaction may have read it before another
    one changed it (row locks decide; the case row is locked first, as every use case on the
    case does — two answers at once, or a timer firing as it is answered, see each other)."""
    row = rows.get(row_id)
    if row is None:
        return None
    case = cases.get(row.case_id, for_update=True)
    row = rows.get(row_id, for_update=True)
    return (case, row) if case is not None and row is not None else None


class CaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, case: Case) -> Case:
        self.session.add(case)
        self.session.flush()
        return case

    def add_once(self, case: Case) -> bool:
        """Add a case with a natural key (source, external_id); False (nothing added) when a
        concurrent transaction added it first (PostgreSQL waits for that one to commit)."""
        return insert_once(self.session, case)

    def get(self, case_id: int, *, for_update: bool = False) -> Case | None:
        """`for_update`: lock the case row and read it afresh — do it before reading anything
        of the case (its invites, approvals, follow-ups, stints) whose state decides."""
        if not 0 < case_id <= MAX_ID:  # an id no row can have (the database would refuse it)
            return None
        if not for_update:  # the session's copy, if this transaction read the case already
            return self.session.get(Case, case_id)
        return self.session.scalars(locked(select(Case).where(Case.id == case_id))).first()

    def declaration(self, owner_id: str, title: str) -> Declaration:
        """The (owner, title) declaration row, created if missing and locked: concurrent
        declarations of one title by one person wait here for each other."""
        insert_ignoring_conflict(self.session, Declaration,
                                 {"owner_id": owner_id, "title": title})
        found: Declaration = self.session.scalars(locked(select(Declaration).where(
            Declaration.owner_id == owner_id, Declaration.title == title))).one()
        return found

    def confirm(self, case_id: int, user_id: str, at: datetime) -> bool:
        """Mark a resolved case confirmed — only if nobody did yet (a conditional update, so
        of two clicks at the same time one wins). True if this call confirmed it."""
        stmt = (update(Case).where(Case.id == case_id, Case.status == CaseStatus.RESOLVED,
                                   Case.confirmed_at.is_(None))
                .values(confirmed_at=at, confirmed_by=user_id))
        return changed_rows(self.session, stmt) == 1

    def load_with_people(self, case_ids: Collection[int]) -> list[Case]:
        """These cases with their participants and invites, in three queries."""
        if not case_ids:
            return []
        return list(self.session.scalars(
            select(Case).where(Case.id.in_(list(case_ids)))
            .options(selectinload(Case.participants), selectinload(Case.invites))))

    def by_channel(self, channel_id: str, *, for_update: bool = False) -> Case | None:
        stmt = select(Case).where(Case.channel_id == channel_id)
        if for_update:
            stmt = locked(stmt)
        return self.session.scalars(stmt).first()

    def by_source_message(self, channel_id: str, ts: str) -> Case | None:
        """The case opened from the Slack message (channel, ts), if one was."""
        stmt = select(Case).where(Case.source_channel_id == channel_id, Case.source_ts == ts)
        return self.session.scalars(stmt).first()

    def by_external_id(self, source: str, external_id: str) -> Case | None:
        stmt = select(Case).where(Case.source == source, Case.external_id == external_id)
        return self.session.scalars(stmt).first()

    def private_ids(self) -> list[int]:
        return list(self.session.scalars(select(Case.id).where(Case.is_private.is_(True))))

    def open_cases(self, *, limit: int = 50) -> Sequence[Case]:
        stmt = (select(Case).where(Case.status != CaseStatus.RESOLVED)
                .order_by(Case.id.desc()).limit(limit))
        return self.session.scalars(stmt).all()

    def open_cases_of(self, user_id: str) -> Sequence[Case]:
        stmt = (
            select(Case)
            .join(Participant, Participant.case_id == Case.id)
            .where(Case.status != CaseStatus.RESOLVED, Participant.user_id == user_id,
                   Participant.left_at.is_(None))
            .order_by(Case.id.desc())
        )
        return self.session.scalars(stmt).all()

    def open_swarm_load(self, user_ids: Iterable[str], *, invited: bool = False
                        ) -> dict[str, int]:
        """How many open swarms each user is in. `invited`: also those they are invited to
        and have not answered yet (held or pending) — the load a new invite adds to, so a
        storm of cases does not invite the same few people to all of them."""
        ids = list(user_ids)
        if not ids:
            return {}
        joined = select(Participant.user_id.label("user_id"),
                        Participant.case_id.label("case_id")).where(
            Participant.user_id.in_(ids), Participant.left_at.is_(None))
        asked = select(Invite.expert_id, Invite.case_id).where(
            Invite.expert_id.in_(ids), Invite.state.in_((InviteState.HELD, InviteState.PENDING)))
        involved = (joined.union(asked) if invited else joined).subquery()
        stmt = (
            select(involved.c.user_id, func.count(func.distinct(involved.c.case_id)))
            .join(Case, Case.id == involved.c.case_id)
            .where(Case.status != CaseStatus.RESOLVED, Case.mode == CaseMode.SWARM)
            .group_by(involved.c.user_id)
        )
        return {user: count for user, count in self.session.execute(stmt)}


class InviteRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, invite_id: int, *, for_update: bool = False) -> Invite | None:
        """`for_update`: locked and read afresh (take its case's lock first)."""
        if not for_update:
            return self.session.get(Invite, invite_id)
        return self.session.scalars(locked(select(Invite).where(Invite.id == invite_id))).first()

    def by_message(self, channel: str, ts: str) -> Invite | None:
        stmt = select(Invite).where(Invite.dm_channel == channel, Invite.message_ts == ts)
        return self.session.scalars(stmt).first()

    def unrecorded_for(self, user_id: str) -> Sequence[Invite]:
        """`user_id`'s pending invites whose DM ts is not recorded (maybe posted already),
        locked: recording a ts waits for this transaction, and a ts recorded before it is
        seen by the next statement."""
        return self.session.scalars(locked(select(Invite).where(
            Invite.expert_id == user_id, Invite.state == InviteState.PENDING,
            Invite.message_ts.is_(None)))).all()

    def sent_to(self, user_id: str) -> Sequence[Invite]:
        """`user_id`'s invites whose DM is recorded (its channel and ts), oldest first."""
        stmt = select(Invite).where(Invite.expert_id == user_id,
                                    Invite.message_ts.is_not(None)).order_by(Invite.id)
        return self.session.scalars(stmt).all()

    def pending_for(self, user_id: str) -> Sequence[Invite]:
        stmt = select(Invite).where(Invite.expert_id == user_id,
                                    Invite.state == InviteState.PENDING)
        return self.session.scalars(stmt).all()


class TimelineRepository:
    def __init__(self, session: Session,
                 on_record: Callable[[TimelineEvent], None] | None = None) -> None:
        self.session = session
        self.on_record = on_record
        self._heads: dict[int, tuple[int, str]] = {}  # case → (seq, hash) recorded here last

    def record(self, case_id: int, kind: str, text: str = "", *, actor: str | None = None,
               at: datetime | None = None, **data: Any) -> TimelineEvent:
        head = self._heads.get(case_id)
        if head is None:
            # The case row's lock orders its timeline writers (any process): the head read
            # next is the newest, and two transactions never both append event N+1.
            self.session.execute(select(Case.id).where(Case.id == case_id)
                                 .with_for_update(key_share=True))
            head = self.session.execute(
                select(TimelineEvent.seq, TimelineEvent.hash)
                .where(TimelineEvent.case_id == case_id)
                .order_by(TimelineEvent.seq.desc()).limit(1)).first() or (0, GENESIS)
        seq, prev = head[0] + 1, head[1]
        at = at or utcnow()
        data = json.loads(json.dumps(data, default=str))  # exactly what the database keeps
        event = TimelineEvent(case_id=case_id, kind=kind, text=text, actor=actor, at=at,
                              data=data, seq=seq, prev_hash=prev,
                              hash=event_hash(prev_hash=prev, case_id=case_id, seq=seq, at=at,
                                              kind=kind, actor=actor, text=text, data=data))
        self.session.add(event)  # inserted with the transaction's next flush
        self._heads[case_id] = (seq, event.hash)  # the next event of this case links to it
        if self.on_record is not None:
            self.on_record(event)
        return event

    def for_case(self, case_id: int) -> Sequence[TimelineEvent]:
        stmt = select(TimelineEvent).where(TimelineEvent.case_id == case_id).order_by(
            TimelineEvent.at, TimelineEvent.id)
        return self.session.scalars(stmt).all()


class LevelRepository:
    """A tiered case's stints at each level, newest last."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, change: LevelChange) -> LevelChange:
        self.session.add(change)
        self.session.flush()
        return change

    def get(self, change_id: int) -> LevelChange | None:
        return self.session.get(LevelChange, change_id)

    def current(self, case_id: int) -> LevelChange | None:
        stmt = (select(LevelChange).where(LevelChange.case_id == case_id)
                .order_by(LevelChange.id.desc()))
        return self.session.scalars(stmt).first()

    def for_case(self, case_id: int) -> Sequence[LevelChange]:
        return self.session.scalars(select(LevelChange).where(LevelChange.case_id == case_id)
                                    .order_by(LevelChange.id)).all()


class ApprovalRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, approval: Approval) -> Approval:
        self.session.add(approval)
        self.session.flush()
        return approval

    def get(self, approval_id: int, *, for_update: bool = False) -> Approval | None:
        """`for_update`: locked and read afresh (take its case's lock first)."""
        if not 0 < approval_id <= MAX_ID:
            return None
        stmt = select(Approval).where(Approval.id == approval_id)
        return self.session.scalars(locked(stmt) if for_update else stmt).first()

    def pending_for_case(self, case_id: int) -> Sequence[Approval]:
        return self.session.scalars(select(Approval).where(
            Approval.case_id == case_id, Approval.state == ApprovalState.PENDING,
        ).order_by(Approval.id)).all()


class FollowUpRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, followup: FollowUp) -> FollowUp:
        self.session.add(followup)
        self.session.flush()
        return followup

    def get(self, followup_id: int, *, for_update: bool = False) -> FollowUp | None:
        """`for_update`: locked and read afresh (take its case's lock first)."""
        if not 0 < followup_id <= MAX_ID:
            return None
        stmt = select(FollowUp).where(FollowUp.id == followup_id)
        return self.session.scalars(locked(stmt) if for_update else stmt).first()

    def for_case(self, case_id: int) -> Sequence[FollowUp]:
        return self.session.scalars(select(FollowUp).where(FollowUp.case_id == case_id)
                                    .order_by(FollowUp.id)).all()


class StatusUpdateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, update_: StatusUpdate) -> None:
        self.session.add(update_)

    def latest(self, case_id: int) -> StatusUpdate | None:
        stmt = (select(StatusUpdate).where(StatusUpdate.case_id == case_id)
                .order_by(StatusUpdate.posted_at.desc(), StatusUpdate.id.desc()))
        return self.session.scalars(stmt).first()


class OutboxRepository:
    """The outbox table for a unit of work: recording effects and the reads executors need.
    Claiming and delivering them is `bot.delivery`'s. Reading the outbox first writes what
    this transaction recorded, so it sees its own."""

    def __init__(self, session: Session, now: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.now = now
        self._pending = PendingInserts(session, OutboxMessage,
                                       lambda row: (row["dedupe_key"], row["queueing_lock"]))

    def enqueue(self, dedupe_key: str | None, kind: str, payload: dict[str, Any], *,
                case_id: int | None = None, not_before: datetime | None = None,
                priority: int = 1, queueing_lock: str | None = None,
                lock: str | None = None) -> None:
        """Record a Slack side effect to deliver after commit. `dedupe_key`: recorded once,
        ever; `queueing_lock` instead: a no-op while an effect with that lock waits (see
        `OutboxMessage`). `lock` defaults to the case's: its effects go one at a time, in
        order. Lower `priority` goes first among due effects. The rows are written together,
        in one statement, when the transaction commits or reads the outbox — a declared case
        records half a dozen, inside the transaction the slash command waits for."""
        if dedupe_key is None and queueing_lock is None:
            raise ValueError(f"an effect {kind!r} needs a dedupe_key or a queueing_lock")
        now = self.now()
        lock = lock or (case_lock(case_id) if case_id is not None else None)
        self._pending.add({
            "dedupe_key": dedupe_key, "queueing_lock": queueing_lock, "lock": lock,
            "kind": kind, "payload": payload, "case_id": case_id, "created_at": now,
            "priority": priority, "scheduled_at": not_before or now})
        self.session.info[RECORDED_EFFECTS] = True  # the commit wakes the delivery
        if priority == 0:  # urgent: may go side by side (the rest wait for one worker)
            self.session.info.setdefault(RECORDED_LOCKS, set()).add(lock or dedupe_key)

    def write_pending(self) -> None:
        """Insert what `enqueue` recorded so far (keys already there are skipped)."""
        self._pending.write()

    def forget_pending(self) -> None:
        self._pending.forget()

    def get(self, message_id: int) -> OutboxMessage | None:
        self.write_pending()
        return self.session.get(OutboxMessage, message_id)

    def load(self, message_ids: list[int]) -> list[OutboxMessage]:
        """Read these messages in one query (`get` finds them in the session while the caller
        holds the list)."""
        self.write_pending()
        if not message_ids:
            return []
        return list(self.session.scalars(select(OutboxMessage)
                                         .where(OutboxMessage.id.in_(message_ids))))

    def waits_behind(self, message: OutboxMessage) -> bool:
        """An earlier effect of the same kind for the same case is still to be delivered."""
        self.write_pending()
        return self.session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.kind == message.kind, OutboxMessage.case_id == message.case_id,
            OutboxMessage.state == OutboxState.PENDING,
            OutboxMessage.id < message.id).limit(1)) is not None

    def delivered(self, key_prefix: str) -> list[dict[str, Any]]:
        """What Slack answered to the delivered effects whose key starts with `key_prefix`
        (e.g. where each copy of a message was posted), oldest first."""
        self.write_pending()
        stmt = (
            select(OutboxMessage.result)
            .where(
                OutboxMessage.dedupe_key.startswith(key_prefix, autoescape=True),
                OutboxMessage.state == OutboxState.DONE,
            )
            .order_by(OutboxMessage.id)
        )
        return [dict(result or {}) for result in self.session.scalars(stmt)]

    def settle(self, message_id: int) -> bool:
        """Mark an effect done inside the transaction that does its work — for an effect that
        is work of ours rather than a Slack call: True the first time; False when it was done
        (or given up) already, e.g. by a delivery that crashed after that work committed.
        The row is locked until commit: two deliveries at once do the work once."""
        self.write_pending()
        return changed_rows(self.session, update(OutboxMessage).where(
            OutboxMessage.id == message_id, OutboxMessage.state == OutboxState.PENDING)
            .values(state=OutboxState.DONE, done_at=self.now())
            .execution_options(synchronize_session=False)) == 1

    def wake_case(self, case_id: int) -> None:
        """Make the case's effects that wait for something (never failed) due now."""
        self.write_pending()
        now = self.now()
        self.session.flush()
        self.session.execute(update(OutboxMessage).where(
            OutboxMessage.case_id == case_id, OutboxMessage.state == OutboxState.PENDING,
            OutboxMessage.attempts == 0, OutboxMessage.scheduled_at > now)
            .values(scheduled_at=now))


def case_lock(case_id: int) -> str:
    """The `lock` of a case's effects: one deliverer at a time, in the order recorded."""
    return f"case:{case_id}"


class TimerRepository:
    """Reading or cancelling timers first writes those this transaction scheduled."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._pending = PendingInserts(session, Timer, "key")

    def schedule(self, key: str, kind: str, due_at: datetime, *, case_id: int | None = None,
                 **payload: Any) -> None:
        """Schedule a timer under a natural key; a key scheduled before is left as it is.
        Written with the transaction's other new timers in one statement."""
        self._pending.add({"key": key, "kind": kind, "due_at": due_at, "case_id": case_id,
                           "payload": payload})

    def write_pending(self) -> None:
        self._pending.write()

    def forget_pending(self) -> None:
        self._pending.forget()

    def cancel_for_case(self, case_id: int, kinds: Iterable[str] | None = None, *,
                        keep: Iterable[str] = ()) -> int:
        """Cancel the case's pending timers (of `kinds`, or all but those of `keep`)."""
        self.write_pending()
        stmt = update(Timer).where(Timer.case_id == case_id, Timer.state == TimerState.PENDING)
        if kinds is not None:
            stmt = stmt.where(Timer.kind.in_(list(kinds)))
        if keep:
            stmt = stmt.where(Timer.kind.not_in(list(keep)))
        return changed_rows(self.session, stmt.values(state=TimerState.CANCELLED))

    def cancel(self, key: str) -> bool:
        self.write_pending()
        stmt = update(Timer).where(Timer.key == key, Timer.state == TimerState.PENDING)
        return changed_rows(self.session, stmt.values(state=TimerState.CANCELLED)) == 1

    def get(self, timer_id: int, *, for_update: bool = False) -> Timer | None:
        """`for_update`: locked and read afresh (take its case's lock first: use cases lock
        the case, then cancel its timers)."""
        self.write_pending()
        if not for_update:
            return self.session.get(Timer, timer_id)
        return self.session.scalars(locked(select(Timer).where(Timer.id == timer_id))).first()

    def claim_due(self, now: datetime, *, owner: str, lease_until: datetime,
                  limit: int = 50) -> list[int]:
        self.write_pending()
        return claim_leased(self.session, Timer, due=Timer.due_at, order=(Timer.due_at, Timer.id),
                            now=now, lease_until=lease_until, limit=limit, claimed_by=owner)


SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")  # a Slack user id, not a handle


class ExpertRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: str) -> Expert | None:
        return self.session.get(Expert, user_id)

    def get_or_create(self, user_id: str) -> Expert:
        """The expert, inserted if new (two requests meeting a new person at once insert
        one row; neither fails)."""
        expert = self.session.get(Expert, user_id)
        if expert is None:
            insert_ignoring_conflict(self.session, Expert, {"user_id": user_id, "skills": []})
            expert = self.session.scalars(select(Expert).where(Expert.user_id == user_id)).one()
        return expert

    def slack_ids(self, refs: Iterable[str]) -> dict[str, str]:
        """ref → Slack user id, for the refs that name someone: user ids (U…, W…) as they are,
        handles (with or without @) through the experts the bot knows; unknown handles are
        left out. The history and the policy name people either way."""
        refs = list(refs)
        handles = self.by_handles(r.removeprefix("@") for r in refs if not SLACK_USER.match(r))
        named = {r: r if SLACK_USER.match(r) else handles.get(r.removeprefix("@"))
                 for r in refs}
        return {r: user for r, user in named.items() if user}

    def by_handles(self, handles: Iterable[str]) -> dict[str, str]:
        """handle → Slack user id for the experts known by those handles."""
        names = list(handles)
        if not names:
            return {}
        stmt = select(Expert.handle, Expert.user_id).where(Expert.handle.in_(names))
        return {handle: user_id for handle, user_id in self.session.execute(stmt) if handle}

    def many(self, user_ids: Iterable[str]) -> dict[str, Expert]:
        ids = list(user_ids)
        if not ids:
            return {}
        found = self.session.scalars(select(Expert).where(Expert.user_id.in_(ids)))
        return {e.user_id: e for e in found}

    def declared_skills(self) -> dict[str, list[str]]:
        """user id → the skills they declared, for everyone who declared one (the JSON list
        is read whole: an empty one looks different on each backend)."""
        rows = self.session.execute(select(Expert.user_id, Expert.skills)
                                    .order_by(Expert.user_id))
        return {user: list(skills) for user, skills in rows if skills}


class HistoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def existing_ids(self, history_ids: Iterable[str]) -> set[str]:
        ids = list(history_ids)
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            found.update(self.session.scalars(
                select(ResolutionRecord.history_id).where(ResolutionRecord.history_id.in_(chunk))))
        return found

    def add_all(self, records: Iterable[ResolutionRecord]) -> None:
        self.session.add_all(list(records))

    def remove(self, history_id: str) -> None:
        self.session.execute(delete(ResolutionRecord).where(
            ResolutionRecord.history_id == history_id))

    def all(self) -> Sequence[ResolutionRecord]:
        return self.session.scalars(
            select(ResolutionRecord).order_by(ResolutionRecord.created_at)).all()

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(ResolutionRecord)) or 0

    def resolved_here(self, limit: int = 500) -> Sequence[ResolutionRecord]:
        """The cases swarmbot itself resolved (not imported), newest first."""
        return self.session.scalars(
            select(ResolutionRecord).where(ResolutionRecord.origin == SWARMBOT_ORIGIN)
            .order_by(ResolutionRecord.created_at.desc()).limit(limit)).all()


class ProcessedEventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def first_time(self, event_id: str) -> bool:
        """Record `event_id`; True the first time it is seen, False on a retry/duplicate."""
        return insert_once(self.session, ProcessedEvent(event_id=event_id))

    def forget_before(self, when: datetime) -> int:
        """Drop event ids received before `when` (Slack stops retrying within the hour)."""
        return changed_rows(self.session, delete(ProcessedEvent).where(
            ProcessedEvent.received_at < when))


class ProcessedRequestRepository:
    """Signed Slack requests already handled (bot/services/replays.py)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def seen(self, key: str) -> bool:
        return self.session.get(ProcessedRequest, key) is not None

    def first_time(self, key: str, seen_until: datetime) -> bool:
        """Record `key`; True the first time, False when it was handled already."""
        return insert_once(self.session, ProcessedRequest(key=key, seen_until=seen_until))

    def forget_before(self, when: datetime) -> int:
        return changed_rows(self.session, delete(ProcessedRequest).where(
            ProcessedRequest.seen_until < when))


class EarlyAnswerRepository:
    """Reactions to bot DMs not recorded yet, waiting for the ts they answer."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, answer: EarlyAnswer) -> None:
        self.session.add(answer)

    def take(self, channel: str, ts: str) -> list[EarlyAnswer]:
        """The answers to this message, oldest first, removed (the caller applies them)."""
        answers = list(self.session.scalars(select(EarlyAnswer).where(
            EarlyAnswer.dm_channel == channel, EarlyAnswer.message_ts == ts)
            .order_by(EarlyAnswer.id).with_for_update(key_share=True)))
        for answer in answers:
            self.session.delete(answer)
        return answers

    def waiting(self, channel: str, ts: str) -> bool:
        return self.session.scalar(select(EarlyAnswer.id).where(
            EarlyAnswer.dm_channel == channel, EarlyAnswer.message_ts == ts).limit(1)) is not None


class UserGroupRepository:
    """Members of the Slack user groups that respond at levels, as last read from Slack."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def members(self, group_ids: Iterable[str]) -> dict[str, list[str]]:
        """group → its members, for the groups whose members the bot has read."""
        groups = list(group_ids)
        if not groups:
            return {}
        known = set(self.session.scalars(select(UserGroupSync.group_id).where(
            UserGroupSync.group_id.in_(groups))))
        members: dict[str, list[str]] = {g: [] for g in groups if g in known}
        for group, user in self.session.execute(
                select(UserGroupMember.group_id, UserGroupMember.user_id)
                .where(UserGroupMember.group_id.in_(list(known)))
                .order_by(UserGroupMember.group_id, UserGroupMember.user_id)):
            members[group].append(user)
        return members

    def replace(self, group_id: str, users: Iterable[str], at: datetime) -> None:
        """Slack's full list of the group's members."""
        self.session.execute(delete(UserGroupMember).where(UserGroupMember.group_id == group_id))
        self.session.add_all(UserGroupMember(group_id=group_id, user_id=u)
                             for u in dict.fromkeys(users))
        sync = self.session.get(UserGroupSync, group_id)
        if sync is None:
            self.session.add(UserGroupSync(group_id=group_id, synced_at=at))
        else:
            sync.synced_at = at

    def change(self, group_id: str, *, added: Iterable[str], removed: Iterable[str]) -> None:
        """A delta from subteam_members_changed (ignored for a group never read in full:
        the next full read has it)."""
        if self.session.get(UserGroupSync, group_id) is None:
            return
        gone = list(removed)
        if gone:
            self.session.execute(delete(UserGroupMember).where(
                UserGroupMember.group_id == group_id, UserGroupMember.user_id.in_(gone)))
        present = set(self.session.scalars(select(UserGroupMember.user_id).where(
            UserGroupMember.group_id == group_id)))
        self.session.add_all(UserGroupMember(group_id=group_id, user_id=u)
                             for u in dict.fromkeys(added) if u not in present)


class AlertRepository:
    """Alerts grouped into cases, and the (source, group key) rows that decide the grouping."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def group(self, source: str, group_key: str) -> AlertGroup:
        """The group's row, created if missing and locked: alerts of one group at once, in
        any process, wait here for each other (and each sees the case the one before opened)."""
        insert_ignoring_conflict(self.session, AlertGroup,
                                 {"source": source, "group_key": group_key})
        found: AlertGroup = self.session.scalars(locked(select(AlertGroup).where(
            AlertGroup.source == source, AlertGroup.group_key == group_key))).one()
        return found

    def known(self, source: str, external_ids: Collection[str]) -> dict[str, Alert]:
        """The alerts already recorded among these, by external id."""
        if not external_ids:
            return {}
        return {a.external_id: a for a in self.session.scalars(select(Alert).where(
            Alert.source == source, Alert.external_id.in_(list(external_ids))))}

    def add(self, alert: Alert) -> Alert:
        self.session.add(alert)
        return alert

    def counts(self, case_id: int) -> tuple[int, int]:
        """(alerts on the case, of which still firing)."""
        self.session.flush()
        total, firing = self.session.execute(
            select(func.count(), func.count().filter(Alert.status == AlertStatus.FIRING))
            .where(Alert.case_id == case_id)).one()
        return int(total), int(firing)

    def latest(self, case_id: int, limit: int) -> Sequence[Alert]:
        return self.session.scalars(select(Alert).where(Alert.case_id == case_id)
                                    .order_by(Alert.id.desc()).limit(limit)).all()

"""Opening a case from a Slack message — the message shortcut "Open a swarm case" and an
intake reaction (`[[intake]]` in the policy) — and answering in that message's thread.

The message's author is the requester, the person who used the shortcut (or reacted) owns
the case. One case per message, however many open it at once: the (channel, ts) pair is
unique on the cases table, and the second insert finds the first."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.case import CaseDraft
from bot.domain.errors import Conflict, InvalidInput
from bot.domain.states import CaseMode, CaseStatus, ParticipantRole, TimelineKind
from bot.services import effects
from bot.services.cases import (
    CaseOpened,
    _foresee_tiered,
    _mode,
    _open_channel_and_timers,
    _opened,
    _private,
)
from bot.services.context import ServiceContext
from bot.services.effects import NoteKind
from bot.services.people import require_people
from models.case import Case, Participant
from models.uow import UnitOfWork

MAX_QUOTE = 2000


@dataclass(frozen=True)
class SourceMessage:
    """A message in a channel, as Slack gave it to the bot."""

    channel_id: str
    ts: str
    author_id: str
    text: str
    thread_ts: str | None = None  # the thread it is a reply in, if it is one
    permalink: str | None = None
    from_bot: bool = False  # posted by an app or a bot (no person to answer)


@dataclass(frozen=True)
class MessageChecked:
    """A message a case may be opened from: the form's first values."""

    title: str
    description: str


def first_line(text: str, limit: int = 120) -> str:
    """A title from a message: its first non-empty line, cut at a word near `limit`."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0]
    return (cut or line[:limit]).rstrip(" ,.;:") + "…"


def check_message(ctx: ServiceContext, message: SourceMessage) -> MessageChecked:
    """Refuse (nothing changes) a message no case can be opened from: one by a bot, one with
    no text, one that is already a case; else what the form starts with."""
    if message.from_bot:
        raise InvalidInput("That message was posted by an app or a bot, so there is no person "
                           "to answer: open a case with `/swarm new …` instead. Nothing was "
                           "changed.")
    if not message.text.strip():
        raise InvalidInput("That message has no text to open a case from. Nothing was "
                           "changed.")
    with ctx.uow().reading() as uow:
        _refuse_if_a_case(uow, message)
    return MessageChecked(first_line(message.text), message.text[:MAX_QUOTE])


def _refuse_if_a_case(uow: UnitOfWork, message: SourceMessage) -> None:
    case = uow.cases.by_source_message(message.channel_id, message.ts)
    if case is not None:
        raise Conflict(f"That message is already case {case.reference}; nothing was changed. "
                       f"Name it anywhere: `/swarm status {case.reference} …`.")
    if uow.cases.by_channel(message.channel_id) is not None:
        raise Conflict("That message is in a case channel: add it to the case's timeline "
                       "(📌) instead of opening another case. Nothing was changed.")


def open_from_message(ctx: ServiceContext, *, owner_id: str, message: SourceMessage,
                      draft: CaseDraft, via: str = "shortcut") -> CaseOpened:
    """Open the case; the channel quotes and links the message and the bot answers in its
    thread. The same message opened again (at once, from any process) is refused."""
    check_message(ctx, message)
    require_people(ctx.people, [message.author_id])  # a person Slack knows, not a bot
    foreseen = _foresee_tiered(ctx, draft, draft.description)  # a swarm is planned later
    with ctx.uow() as uow:
        _refuse_if_a_case(uow, message)
        case = Case(
            title=draft.title, description=draft.description, service=draft.service,
            tags=list(draft.tags), severity=draft.severity, mode=_mode(ctx, draft.severity),
            owner_id=owner_id, requester_id=message.author_id, source="slack",
            created_at=ctx.now(),
            acknowledged_at=ctx.now() if _mode(ctx, draft.severity) == CaseMode.SWARM else None,
            is_private=_private(draft), invites=[],
            source_channel_id=message.channel_id, source_ts=message.ts,
            source_thread_ts=message.thread_ts or message.ts,
            participants=[Participant(user_id=owner_id, role=ParticipantRole.OWNER,
                                      joined_at=ctx.now())])
        if not uow.cases.add_once(case):  # someone else opened it from this message just now
            _refuse_if_a_case(uow, message)  # (PostgreSQL: the insert waited for theirs)
            raise Conflict("That message is already a case; nothing was changed.")
        uow.timeline.record(case.id, TimelineKind.DECLARED, actor=owner_id, at=ctx.now(),
                            severity=draft.severity, via=via, requester=message.author_id,
                            message_channel=message.channel_id, message_ts=message.ts)
        effects.post(uow, case=case, key=f"source_quoted:{case.id}", note=NoteKind.SOURCE_QUOTED,
                     requester=message.author_id, message_channel=message.channel_id,
                     quote=message.text[:MAX_QUOTE], permalink=message.permalink, via=via)
        _open_channel_and_timers(ctx, uow, case, foreseen=foreseen)
        effects.post(uow, case=case, key=f"intake_opened:{case.id}",
                     note=NoteKind.INTAKE_OPENED, channel=message.channel_id,
                     thread_ts=case.source_thread_ts, owner=owner_id,
                     requester=message.author_id, reference=case.reference)
        uow.commit()
        return _opened(case)


def answer_resolution(uow: UnitOfWork, case: Case) -> None:
    """In the thread of the message a case came from: it is resolved, and how (a private
    case's summary stays in its channel)."""
    if not case.source_channel_id or case.status != CaseStatus.RESOLVED:
        return
    effects.post(uow, case=case, channel=case.source_channel_id,
                 key=f"intake_resolved:{case.id}:{case.resolved_at}",
                 note=NoteKind.INTAKE_RESOLVED, thread_ts=case.source_thread_ts,
                 reference=case.reference,
                 summary=None if case.is_private else case.resolution_summary)

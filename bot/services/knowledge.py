"""The past at hand: when a case is declared (and on `/swarm similar`), the resolved cases
most like it and the forecast of how likely it is to need more than one person — both from
the expert model, so from the same history and index as the recommendations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from bot.domain.errors import InvalidInput, NotFound
from bot.domain.states import TimelineKind
from bot.services import effects
from bot.services.context import ServiceContext
from bot.services.effects import NoteKind
from bot.services.guards import case_in_channel
from bot.services.swarm import case_query
from models.case import Case
from models.uow import UnitOfWork
from skills_index.interface import CaseQuery

if TYPE_CHECKING:
    from skills_index.similar import SimilarCase

SHOWN = 3


@dataclass(frozen=True)
class Outlook:
    similar: Sequence[SimilarCase]  # most similar first
    needs_help: float | None    # P(more than one person needed); None without a forecast


def outlook(ctx: ServiceContext, uow: UnitOfWork, query: CaseQuery,
            case_id: int | None = None) -> Outlook | None:
    """None when no model is trained. Private cases the bot resolved are never shown."""
    model = ctx.recommender()
    if model is None:
        return None
    hidden = {f"swarmbot-{n}" for n in uow.cases.private_ids()}
    if case_id is not None:
        hidden.add(f"swarmbot-{case_id}")
    return Outlook(model.similar(query, k=SHOWN, exclude=hidden), model.needs_help(query))


def foresee(ctx: ServiceContext, query: CaseQuery) -> Outlook | None:
    """The outlook of a case about to be declared, asked before the declare transaction
    (reading only) so the model's work does not hold the database's write lock."""
    if ctx.recommender() is None:
        return None
    with ctx.uow().reading() as uow:
        return outlook(ctx, uow, query)


def share_at_declaration(ctx: ServiceContext, uow: UnitOfWork, case: Case,
                         seen: Outlook | None) -> float | None:
    """Record the forecast on the timeline and post what the history knows to the case
    channel; returns the forecast for the tiered entry's complexity rules."""
    if seen is None:
        return None
    if seen.needs_help is not None:
        uow.timeline.record(
            case.id,
            TimelineKind.FORECAST,
            at=ctx.now(),
            needs_help=round(seen.needs_help, 4),
        )
    if seen.similar or seen.needs_help is not None:
        effects.post(uow, case=case, note=NoteKind.HISTORY, key=f"outlook:{case.id}",
                     **history(uow, seen).data())
    return seen.needs_help


# -- what `/swarm similar` answers, and what is posted at declaration (worded in bot/slack) --
@dataclass(frozen=True)
class NoModel:
    """No expert model is trained: there is no history to search."""


@dataclass(frozen=True)
class NothingSimilar:
    """No resolved case in the history is close enough."""


@dataclass(frozen=True)
class PastSeen:
    """A similar resolved case as shown: who resolved it is a Slack id when the bot knows
    the person (`slack`), else the history's own name for them (`ref`)."""
    id: str
    title: str
    created_at: str  # ISO 8601
    took_seconds: float | None
    resolvers: tuple[tuple[str, str | None], ...]  # (ref, slack id or None), the first 3
    summary: str


@dataclass(frozen=True)
class History:
    needs_help: float | None
    similar: tuple[PastSeen, ...]

    def data(self) -> dict[str, Any]:
        """As an outbox note's data (JSON)."""
        return asdict(self)


def similar_to(ctx: ServiceContext, *, channel_id: str,
               text: str) -> NoModel | NothingSimilar | History:
    """`/swarm similar [text]`: like the text given, or like the case of this channel."""
    with ctx.uow() as uow:
        if text.strip():
            query, case_id = CaseQuery(id="query", title=text.strip()[:500]), None
        else:
            try:
                case = case_in_channel(uow, channel_id)
            except NotFound:
                raise InvalidInput(
                    "Say what to look for — `/swarm similar <words>` — or run it in a case channel."
                ) from None
            query, case_id = case_query(case), case.id
        seen = outlook(ctx, uow, query, case_id)
        if seen is None:
            return NoModel()
        if not seen.similar:
            return NothingSimilar()
        return history(uow, Outlook(seen.similar, None if text.strip() else seen.needs_help))


def history(uow: UnitOfWork, seen: Outlook) -> History:
    ids = uow.experts.slack_ids({p for s in seen.similar for p in s.case.resolvers})
    return History(seen.needs_help, tuple(
        PastSeen(id=found.case.id, title=found.case.title,
                 created_at=found.case.created_at.isoformat(),
                 took_seconds=((found.case.resolved_at - found.case.created_at).total_seconds()
                               if found.case.resolved_at else None),
                 resolvers=tuple((r, ids.get(r)) for r in found.case.resolvers[:3]),
                 summary=found.case.summary)
        for found in seen.similar))

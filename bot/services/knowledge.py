"""The past at hand: when a case is declared (and on `/swarm similar`), the resolved cases
most like it and the forecast of how likely it is to need more than one person — both from
the expert model, so from the same history and index as the recommendations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.domain.durations import human_duration
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.mrkdwn import escape
from bot.domain.states import TimelineKind
from bot.services import effects
from bot.services.context import ServiceContext
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
            f"{seen.needs_help:.0%} likely to need more than one person",
            at=ctx.now(),
            needs_help=round(seen.needs_help, 4),
        )
    if seen.similar or seen.needs_help is not None:
        effects.post(uow, case=case, text=describe(uow, seen), key=f"outlook:{case.id}")
    return seen.needs_help


def similar_to(ctx: ServiceContext, *, channel_id: str, text: str) -> str:
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
            return ("No expert model is trained yet, so there is no history to search; see "
                    "`swarmbot model train`.")
        if not seen.similar:
            return "No resolved case in the history is close enough to this one."
        return describe(uow, Outlook(seen.similar, None if text.strip() else seen.needs_help))


def describe(uow: UnitOfWork, seen: Outlook) -> str:
    lines = [":books: *From the history*"]
    if seen.needs_help is not None:
        lines.append(f"Forecast: {_share(seen.needs_help)} of past cases like this needed "
                     "more than one person.")
    if seen.similar:
        people = _people(uow, {p for s in seen.similar for p in s.case.resolvers})
        lines.append("Similar resolved cases:" if len(seen.similar) > 1
                     else "A similar resolved case:")
        for found in seen.similar:
            past = found.case
            took = (f" in {human_duration(past.resolved_at - past.created_at)}"
                    if past.resolved_at else "")
            who = ", ".join(people[p] for p in past.resolvers[:3])
            line = (f"• {past.id} *{_clean(past.title)}* — {past.created_at:%b %Y}, resolved "
                    f"by {who}{took}")
            if past.summary:
                line += f": {_clean(past.summary)}"
            lines.append(line)
    else:
        lines.append("No resolved case in the history is close to this one.")
    return "\n".join(lines)


def _share(probability: float) -> str:
    if probability >= 0.995:
        return "almost all"
    return f"{probability:.0%}" if probability >= 0.005 else "almost none"


def _people(uow: UnitOfWork, refs: set[str]) -> dict[str, str]:
    """History names people by Slack id or handle: mention the ones Slack knows."""
    ids = uow.experts.slack_ids(refs)
    return {r: f"<@{ids[r]}>" if r in ids else f"`{r}`" for r in refs}


def _clean(text: str) -> str:
    """History text into mrkdwn without mentions or markup breaking out."""
    return escape(" ".join(text.split())[:200]).replace("*", "")

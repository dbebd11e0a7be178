"""The post-case review: drafted from the timeline when a case resolves, lessons added with
`/swarm review <lesson>`, exported as Markdown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.domain.errors import InvalidInput
from bot.domain.metrics import Event
from bot.domain.privacy import IN_THE_CASE, text_for, title_for, visible_to
from bot.domain.review import LESSON, CaseFacts, Review, draft_review
from bot.domain.timeline import Recorded, describe, thinned
from bot.services import effects
from bot.services.context import ServiceContext
from bot.services.guards import case_by_id, case_in_channel, require
from models.case import Case
from models.uow import UnitOfWork

MAX_LESSON = 1000


def review_for(uow: UnitOfWork, case: Case, viewer: str | None = IN_THE_CASE,
               line: Callable[[Recorded], str] = describe) -> Review:
    """The review as `viewer` may read it (bot/domain/privacy.py): a private case's review
    outside its channel keeps ids, people, times and SLA results, and names each timeline
    entry by its kind instead of its text; no title, service, summary, lessons or items.
    `line` words each event: Slack mrkdwn by default (typed text escaped, the bot's mentions
    and links kept), `_markdown_line` for the Markdown export."""
    events = thinned(uow.timeline.for_case(case.id))  # a storm's alerts: the first few
    shown = visible_to(case, viewer)
    facts = CaseFacts(reference=case.reference, title=title_for(case, viewer),
                      severity=case.severity, service=case.service if shown else "",
                      owner_id=case.owner_id, status=case.status,
                      summary=text_for(case, viewer, case.resolution_summary),
                      created_at=case.created_at, resolved_at=case.resolved_at)
    review = draft_review(facts, [Event(e.at, e.kind, e.actor, e.data or {}) for e in events],
                          texts=[line(e) if shown else _kind(e.kind) for e in events])
    if shown:
        return review
    return replace(review, lessons=[], followups=[(n, owner, "", done)
                                                  for n, owner, _, done in review.followups])


def _markdown_line(event: Recorded) -> str:
    """An event in the Markdown review: what was typed as typed, no entities."""
    return describe(event, typed=str, stored=str)


def _kind(kind: str) -> str:
    return kind.replace("_", " ")


# -- what the commands tell the person who ran them (rendered in bot/slack/replies.py) ------
@dataclass(frozen=True)
class LessonAdded:
    reference: str
    shown_only: bool = False  # no lesson given: the draft was shown in the channel


def add_lesson(ctx: ServiceContext, *, channel_id: str, actor: str, text: str) -> LessonAdded:
    text = " ".join(text.split())
    if len(text) > MAX_LESSON:
        raise InvalidInput(f"Keep a lesson under {MAX_LESSON} characters.")
    with ctx.uow() as uow:
        case = case_in_channel(uow, channel_id)
        require(ctx, uow, case, actor, "review", "add to its review")
        if not text:
            effects.post_review(uow, case)  # show the draft (again) in the channel
            uow.commit()
            return LessonAdded(case.reference, shown_only=True)
        uow.timeline.record(case.id, LESSON, text, actor=actor, at=ctx.now())
        effects.post_review(uow, case)
        uow.commit()
        return LessonAdded(case.reference)


def review_markdown(ctx: ServiceContext, case_id: int) -> str:
    from bot.domain.review import to_markdown

    with ctx.uow().reading() as uow:
        return to_markdown(review_for(uow, case_by_id(uow, case_id), viewer=None,
                                      line=_markdown_line))

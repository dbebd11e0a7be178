"""The case channel's bookmarks (bookmarks.add, through the outbox): the managers'
dashboard, the source ticket a webhook named, and the review once it is posted."""

from __future__ import annotations

from enum import StrEnum

from bot.services import effects
from bot.services.context import ServiceContext
from models.case import Case
from models.uow import UnitOfWork


class BookmarkKind(StrEnum):
    DASHBOARD = "dashboard"  # the dashboard's page (SWARMBOT_PUBLIC_URL + dashboard token set)
    SOURCE = "source"  # the ticket or incident in the tool that sent the case
    REVIEW = "review"  # the review draft's message, once posted


def dashboard_link(ctx: ServiceContext) -> str | None:
    """The dashboard's address, when the web process's public URL is known and the
    dashboard is on."""
    base = ctx.settings.public_url
    if not base or ctx.settings.dashboard_token is None:
        return None
    return base.rstrip("/") + "/dashboard"


def on_open(ctx: ServiceContext, uow: UnitOfWork, case: Case) -> None:
    """A case just opened: its channel gets the dashboard and the source ticket (each added
    once, when the channel exists)."""
    link = dashboard_link(ctx)
    if link:
        effects.add_bookmark(uow, case, BookmarkKind.DASHBOARD, link=link)
    if case.source_url:
        effects.add_bookmark(uow, case, BookmarkKind.SOURCE, link=case.source_url)


def on_review_posted(uow: UnitOfWork, case: Case) -> None:
    """The review draft is in the channel: bookmark it (its permalink is asked of Slack at
    delivery)."""
    effects.add_bookmark(uow, case, BookmarkKind.REVIEW)

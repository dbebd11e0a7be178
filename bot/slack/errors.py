"""The one place where errors become what a Slack user reads."""

from __future__ import annotations

import logging

from bot.domain.errors import SwarmbotError
from bot.i18n import N_, _

log = logging.getLogger(__name__)

UNEXPECTED = N_("Sorry, something went wrong on our side and nothing was changed. "
                "Please try again; if it keeps failing, tell your swarmbot admins.")


def error_words(error: SwarmbotError) -> str:
    """A domain error's sentence as Slack shows it, in the reader's language (a sentence the
    catalog has; one built with its facts inside stays English): people as mentions."""
    return error.words(lambda user: f"<@{user}>", _)


def user_message(error: BaseException) -> str:
    """A domain error's own sentence; anything else a generic apology (logged, never leaked)."""
    if isinstance(error, SwarmbotError):
        return f":warning: {error_words(error)}"
    log.error("unexpected error in a Slack handler", exc_info=error)
    return f":warning: {_(UNEXPECTED)}"

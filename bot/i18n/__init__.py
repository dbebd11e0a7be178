"""The reader's language: gettext catalogs (Babel) for what swarmbot says, English and
Japanese.

Wording code marks each sentence with `_()` (or `ngettext()` where a number changes it) and
fills it with named fields afterwards — `_("Case {reference} is open again.")
.format(reference=…)` — never an f-string, which the catalog cannot hold. Which language
comes out is the *reader's*, set around the rendering by `speaking(locale)`: a person's
Slack locale for what only they see (ephemeral answers, DMs, App Home, modals), the
workspace's `SWARMBOT_LANGUAGE` for what a channel sees. Outside `speaking` it is English.

Catalogs live in bot/i18n/locale/<lang>/LC_MESSAGES/swarmbot.po, compiled .mo files next to
them are committed (`make i18n` extracts, updates and compiles; tests/unit/test_catalogs.py
fails when a shown string is missing in Japanese or a .mo is stale). They are read on first
use, not at import. How to add a string: docs/i18n.md."""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

DOMAIN = "swarmbot"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "ja")
DEFAULT = "en"

_reading: ContextVar[str] = ContextVar("swarmbot_language", default=DEFAULT)


def language_of(locale: str | None, fallback: str = DEFAULT) -> str:
    """The catalog language for a Slack locale (`ja-JP` → `ja`, `en-US` → `en`); a locale
    swarmbot has no catalog for reads `fallback`."""
    if not locale:
        return fallback
    language = locale.replace("_", "-").split("-")[0].lower()
    return language if language in LANGUAGES else fallback


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    if language == DEFAULT:
        return gettext.NullTranslations()  # the source strings are the English
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])


def current() -> str:
    """The language being written now."""
    return _reading.get()


@contextmanager
def speaking(language_or_locale: str | None, fallback: str = DEFAULT) -> Iterator[str]:
    """Write in this language (a catalog language or a Slack locale) until the block ends."""
    token = _reading.set(language_of(language_or_locale, fallback))
    try:
        yield _reading.get()
    finally:
        _reading.reset(token)


def _(message: str) -> str:
    """`message` in the current reader's language (itself when the catalog lacks it)."""
    return _catalog(_reading.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _catalog(_reading.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 — gettext's name for "mark, translate later"
    """Marks a string for the catalog where it is defined (a table, a constant); it is
    translated where it is shown, with `_(value)`."""
    return message

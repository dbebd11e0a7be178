"""Text from outside (Slack, webhooks) made safe to store and show: control characters (NUL,
escape sequences, bidi overrides…) are dropped — PostgreSQL refuses NUL in text, and the rest
only garble a channel name, a log line or a summary. Lone surrogates (`"\\ud800"` in JSON)
are dropped too: they are not characters, and no database can store them as UTF-8. Line
breaks and tabs stay."""

from __future__ import annotations

import unicodedata

_KEEP = frozenset("\n\t")


def printable(text: str) -> str:
    return "".join(c for c in text if c in _KEEP
                   or unicodedata.category(c) not in ("Cc", "Cf", "Cs")
                   or c == "\u200d")  # the zero-width joiner makes 👩‍🚒 one emoji

"""Slack's emoji shortcodes (`:books:`, `:telephone_receiver:` …) as characters, from the
`emoji` package's tables: its aliases (the GitHub/Slack short names) first, then its CLDR
names, then Slack's own spelling of the 2019 coloured circles and squares
(`large_orange_circle` where the others say `orange_circle`)."""

from __future__ import annotations

from functools import cache

import emoji as emoji_package

_COLOURS = ("red", "orange", "yellow", "green", "blue", "purple", "brown", "black", "white")


@cache
def shortcodes() -> dict[str, str]:
    table: dict[str, str] = {}
    for char, data in emoji_package.EMOJI_DATA.items():
        for alias in data.get("alias", ()):
            table.setdefault(alias.strip(":").lower(), char)
    for char, data in emoji_package.EMOJI_DATA.items():
        table.setdefault(str(data["en"]).strip(":").lower(), char)
    for colour in _COLOURS:
        for shape in ("circle", "square"):
            plain = table.get(f"{colour}_{shape}")
            if plain is not None:
                table.setdefault(f"large_{colour}_{shape}", plain)
    return table


def character(name: str) -> str | None:
    """The emoji a shortcode names (skin tone `::skin-tone-2` dropped), or None."""
    return shortcodes().get(name.split("::", 1)[0].lower())

"""Keeping the catalogs: extract what the source marks (Babel, with bot/i18n/extract.py),
update each language's .po with it, compile the .mo files the bot reads.

    python -m bot.i18n.catalog        # `make i18n`: extract, update, compile
    python -m bot.i18n.catalog check  # exit 1 naming what Japanese lacks or a stale .mo

Run from the repository; nothing here runs when the bot does."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LANGUAGES, LOCALE_DIR
from bot.i18n.extract import extract

ROOT = LOCALE_DIR.parents[1]  # the bot package
# The packages whose words a Slack user reads.
SOURCES = ("slack", "i18n", "domain", "services")
TRANSLATED = tuple(language for language in LANGUAGES if language != "en")


def extracted() -> Catalog:
    """Every marked string of the source, as a template catalog."""
    template = Catalog(domain=DOMAIN, project="swarmbot", fuzzy=False)
    for package in SOURCES:
        for path in sorted((ROOT / package).rglob("*.py")):
            with path.open("rb") as source:
                for line, _name, message, _comments in extract(source, None, None, None):
                    template.add(message, locations=[(str(path.relative_to(ROOT.parent)),
                                                      line)])
    return template


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(language: str) -> Catalog:
    with po_path(language).open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


def missing(language: str) -> list[str]:
    """The strings the source shows that `language`'s catalog does not translate."""
    catalog = read(language)
    gaps = []
    for message in extracted():
        if not message.id:
            continue
        have = catalog.get(message.id)
        strings = have.string if have is not None else None
        if have is None or have.fuzzy or not (all(strings) if isinstance(strings, tuple)
                                               else strings):
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def compiled(language: str) -> bytes:
    out = io.BytesIO()
    write_mo(out, read(language), use_fuzzy=False)
    return out.getvalue()


def stale(language: str) -> bool:
    """The committed .mo is not what the .po compiles to."""
    mo = po_path(language).with_suffix(".mo")
    return not mo.exists() or mo.read_bytes() != compiled(language)


def update() -> None:
    template = extracted()
    for language in LANGUAGES:
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            catalog = read(language)
            catalog.update(template, no_fuzzy_matching=True)
        else:
            catalog = Catalog(locale=language, domain=DOMAIN, project="swarmbot")
            catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as po:
            write_po(po, catalog, omit_header=False, include_previous=False, width=96,
                     sort_output=True, no_location=True)
        path.with_suffix(".mo").write_bytes(compiled(language))


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"]:
        bad = 0
        for language in TRANSLATED:
            gaps = missing(language)
            for gap in gaps:
                print(f"{language}: untranslated: {gap[:100]!r}")
            if stale(language):
                print(f"{language}: the .mo is stale: run `make i18n`")
            bad += len(gaps) + stale(language)
        return 1 if bad else 0
    update()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

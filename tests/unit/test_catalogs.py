"""The catalogs: every string swarmbot shows has its Japanese, the committed .mo files are
what the .po files say, and a translation keeps its message's fields."""

from __future__ import annotations

import re

import pytest

from bot.i18n import speaking
from bot.i18n.catalog import TRANSLATED, extracted, missing, read, stale
from bot.i18n.extract import messages
from bot.services.cases import CaseOpened
from bot.slack.errors import user_message
from bot.slack.replies import reply

FIELD = re.compile(r"\{(\w*)\}")


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_shown_string_is_in_the_catalog(language: str) -> None:
    gaps = missing(language)
    assert not gaps, (f"{len(gaps)} shown string(s) have no {language} translation — run "
                      f"`make i18n` and translate them in bot/i18n/locale/{language}/"
                      f"LC_MESSAGES/swarmbot.po (docs/i18n.md): {gaps[:5]}")


@pytest.mark.parametrize("language", ["en", *TRANSLATED])
def test_the_committed_mo_is_what_the_po_says(language: str) -> None:
    assert not stale(language), f"bot/i18n/locale/{language}: run `make i18n`"


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_translation_keeps_its_fields(language: str) -> None:
    wrong = []
    for message in read(language):
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[-1]
        for string in (message.string if isinstance(message.string, tuple)
                       else (message.string,)):
            if set(FIELD.findall(source)) != set(FIELD.findall(string)):
                wrong.append(source)
    assert not wrong


def test_the_extractor_takes_fixed_sentences_only() -> None:
    source = '''
raise NotFound("There is no case {reference}.", values={"reference": ref})
raise Conflict(f"Case {case.reference} is open already.")
raise InvalidInput(f"`{x}` is not a period; try " "`month` or `all`.")
text = _("Hello") + N_("marked") + ngettext("{n} day", "{n} days", n)
'''
    assert [m for _, _, m in messages(source)] == [
        "There is no case {reference}.", "Hello", "marked", ("{n} day", "{n} days")]


def test_the_source_has_shown_strings() -> None:
    ids = {m.id for m in extracted() if m.id}
    assert "Declare a case" in ids and "There is no case {reference}." in ids


def test_a_japanese_reader_reads_japanese_and_others_english() -> None:
    opened = CaseOpened(case_id=6, reference="#0006", created=True, swarm=False)
    with speaking("ja-JP"):
        japanese = reply(opened)
        apology = user_message(RuntimeError("boom"))
    assert "案件 #0006 を宣言しました" in japanese
    assert "申し訳ありません" in apology
    with speaking("fr-FR"):  # no French catalog: the fallback, English
        assert reply(opened).startswith(":rotating_light: Case #0006 declared")
    assert reply(opened).startswith(":rotating_light: Case #0006 declared")

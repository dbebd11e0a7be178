"""The catalogs: every string swarmbot shows has its Japanese, the committed .mo files are
what the .po files say, and a translation keeps its message's fields."""

from __future__ import annotations

import re

import pytest

from bot.i18n import N_, _, speaking
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


def test_a_japanese_channel_reads_its_alerts_in_japanese() -> None:
    from bot.services.effects import NoteKind
    from bot.slack.blocks import AlertsShown, alerts_section
    from bot.slack.notes import note_text
    shown = AlertsShown(total=3, firing=1, latest=(("db down", "firing"),))
    resolved = {"titles": ["db down"], "more": 2, "firing": 1, "total": 3}
    with speaking("ja"):
        assert "{total} 件中" not in (text := note_text(NoteKind.ALERTS_RESOLVED, resolved))
        assert "監視ツール側で解消: *db down* ほか 2 件 — 3 件中 1 件" in text
        assert "アラートはすべて解消" in note_text(NoteKind.ALL_ALERTS_RESOLVED,
                                            {"reference": "#0006", "total": 3, "owner": "U1"})
        assert "まだ担当者がいません" in note_text(NoteKind.ALL_ALERTS_RESOLVED,
                                            {"reference": "#0006", "total": 3})
        assert alerts_section(shown).startswith("*アラート:* 3 件 — 発生中 1 件、解消 2 件")
        assert "…ほか 2 件" in alerts_section(shown)
    assert note_text(NoteKind.ALERTS_RESOLVED, resolved).startswith(
        ":large_green_circle: Resolved in its tool: *db down* and 2 more — 1 of 3 alerts")


def test_a_japanese_channel_reads_its_bookmark_titles_in_japanese() -> None:
    from bot.services.bookmarks import BookmarkKind
    from bot.slack.effects.bookmarks import TITLES
    with speaking("ja"):
        assert [_(title) for title, _emoji in TITLES.values()] == [
            "ダッシュボード", "案件の振り返り"]
        assert _("Source ticket ({source})").format(source="JIRA-1") == "元のチケット（JIRA-1）"
    assert TITLES[BookmarkKind.REVIEW][0] == "Post-case review"


def test_a_japanese_reader_is_refused_and_helped_in_japanese() -> None:
    from bot.domain import permissions
    from bot.slack.errors import error_words
    handover = permissions.refusal("owner", N_("hand the case over"), owner="U1")
    ack = permissions.refusal("ack", N_("acknowledge at {level}"), level="L2",
                              detail=N_(" {level}'s responders: {names}."),
                              values={"level": "L2", "names": "Aiko"})
    with speaking("ja-JP"):
        assert error_words(handover) == ("案件を引き継げるのは 案件の担当者 <@U1> または "
                                         "swarmbot 管理者 だけです。")
        assert error_words(ack) == ("L2 で応答できるのは L2 の対応者（またはそれより上のレベルの"
                                    "対応者） または swarmbot 管理者 だけです。L2 の対応者: Aiko。")
        assert permissions.who("followup") == "people on the case or who were, admins; " \
            "`done`: the item's owner, its author, owner, admins"
        assert permissions.who("followup", _).startswith(
            "案件の関係者（元関係者を含む）、管理者、`done`")
    assert error_words(handover) == ("Only the case owner <@U1> or a swarmbot admin can hand "
                                     "the case over.")


def test_a_japanese_channel_reads_its_timeline_in_japanese() -> None:
    from types import SimpleNamespace

    from bot.domain.states import TimelineKind
    from bot.domain.timeline import describe
    claimed = SimpleNamespace(kind=TimelineKind.CLAIMED, actor="U1", text="", data={})
    breached = SimpleNamespace(kind=TimelineKind.SLA_BREACHED, actor=None, text="",
                               data={"level": "L1", "sla": "response", "limit": 900})
    with speaking("ja"):
        assert describe(claimed, translate=_) == "<@U1> が引き受け"
        assert describe(breached, translate=_).startswith("L1 の応答 SLA（")
    assert describe(claimed) == "Claimed by <@U1>"
    assert describe(breached) == "L1 response SLA (15 min) passed without acknowledgement"
    escalated = SimpleNamespace(kind=TimelineKind.ESCALATED, actor="U1", text="",
                                data={"previous": "L1", "level": "L2", "trigger": "manual",
                                      "reason": "", "bypassed": []})
    assert describe(escalated) == "Escalated L1 → L2 (manual: asked by <@U1>)"
    with speaking("ja"):
        assert describe(escalated, translate=_) == \
            "L1 → L2 にエスカレーション（manual: <@U1> の依頼）"


def test_a_japanese_reader_reads_the_errors_raised_with_values_in_japanese() -> None:
    from bot.domain.errors import Conflict
    from bot.slack.errors import error_words
    opened = Conflict("Case {reference} is open already.", values={"reference": "#0006"})
    with speaking("ja-JP"):
        assert error_words(opened) == "案件 #0006 はすでに開いています。"
    assert error_words(opened) == "Case #0006 is open already."

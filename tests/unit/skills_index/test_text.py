"""One tokenizer for every script: the words a case's text gives, and whether a text names a
term (a skill, a policy word)."""

from __future__ import annotations

import re

import pytest

from skills_index.text import mentions, words


def _baseline(text: str) -> list[str]:
    """A plain Unicode-aware tokenizer: runs of letters and digits, lower case."""
    return re.findall(r"\w+", text.lower())


@pytest.mark.parametrize(("text", "expected"), [
    ("Fix c++ crash in node.js UTF-8 parser_v2.", ["fix", "c++", "crash", "in", "node.js",
                                                   "utf-8", "parser_v2"]),
    ("Échec du paiement: résumé", ["echec", "du", "paiement", "resume"]),   # accents folded
    ("Ошибка оплаты в API", ["ошибка", "оплаты", "в", "api"]),
    ("ｐａｙｍｅｎｔｓ　１２３", ["payments", "123"]),                          # full width
])
def test_words_of_spaced_scripts(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_a_japanese_title_has_words_not_one_run_of_characters() -> None:
    found = words("決済が失敗する")
    assert {"決済", "失敗"} <= set(found)
    assert "が" not in found                       # a particle says nothing
    assert _baseline("決済が失敗する") == ["決済が失敗する"]   # the baseline has one "word"
    # the same word in another title is the same token, whatever follows it
    assert {"決済", "失敗"} <= set(words("カード決済の失敗が続く"))


def test_mixed_japanese_and_english_titles_keep_both() -> None:
    found = words("installerリポジトリ統合")
    assert "installer" in found and "統合" in found


def test_chinese_and_korean_share_words_across_titles_where_the_baseline_does_not() -> None:
    for one, other in (("支付失败", "支付超时"), ("결제가 실패했습니다", "결제는 성공")):
        assert set(words(one)) & set(words(other))
        assert not set(_baseline(one)) & set(_baseline(other))


def test_a_term_is_named_as_a_word_in_spaced_scripts_and_as_characters_in_japanese() -> None:
    assert mentions("Customer threatens a LAWSUIT", "lawsuit")
    assert not mentions("lawsuits", "lawsuit")
    assert not mentions("dbus is broken", "db")
    assert mentions("patch for c++ now", "C++")
    assert mentions("Échec du paiement", "echec")
    assert mentions("決済が失敗する", "決済")
    assert mentions("お客様が訴訟を起こすと言っている", "訴訟")
    assert mentions("Ошибка оплаты", "оплаты") and not mentions("Ошибка оплаты", "опла")
    assert not mentions("anything", "  ")

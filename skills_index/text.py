"""The words of a case's text, in any script: the one tokenizer of everything that reads or
matches case text — the recommender's index and title classifier, similar cases, the "why you"
reasons, the forecast, declared skills and the escalation policy's words.

Text is NFKC-normalised (full-width `ｐａｙｍｅｎｔｓ` and `１２３` become plain letters and
digits, half-width kana full-width ones) and casefolded. Then, by script:

- **Spaced scripts** (Latin, Cyrillic, Greek, Hangul, …): words of letters and digits, keeping
  the marks technical words carry inside them (`c++`, `c#`, `node.js`, `utf-8`, `snake_case`).
  Latin accents are folded (`échec` → `echec`): people type them or not.
- **Hangul** words also give their character bigrams: particles attach to words (`결제가`,
  `결제는`), and the bigram `결제` is what the two share.
- **Japanese and Chinese** (no spaces): the morphemes of SudachiPy with its bundled core
  dictionary (normalised forms: `リポジトリ` → `リポジトリー`; particles, auxiliary verbs and
  punctuation dropped), plus the character bigrams of each run — which also carry Chinese,
  which a Japanese dictionary splits badly, and names the dictionary does not know.
  `CJK_MODE` chooses: `both` (measured best, see docs/benchmarks.md), `morphemes`, `bigrams`.

The dictionary is loaded on first use (no I/O at import), once per process; each thread gets
its own Sudachi tokenizer."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import Any

CJK_MODE = "both"          # "both", "morphemes" or "bigrams": how a Japanese/Chinese run is cut
MAX_CHARACTERS = 2000      # of a description: the start says what it is about

# Kana, CJK ideographs (and their extensions and compatibility forms), the iteration marks.
_CJK = "\u3005\u3006\u3007\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
# A word: letters or digits of any script, with `_ + # . -` inside and `+ #` at its end.
_WORD = re.compile(r"[^\W_](?:[\w+#.\-]*(?:[^\W_]|[+#]))?")
_ASCII_WORD = re.compile(r"[a-z0-9](?:[a-z0-9_+#.\-]*[a-z0-9+#])?")
# Morphemes that carry no subject: particles, auxiliary verbs, punctuation and blanks.
_DROPPED = frozenset({"助詞", "助動詞", "補助記号", "空白", "記号"})
_TERM_EDGE = re.compile(r"[^\W_]")
_local = threading.local()


def normalize(text: str) -> str:
    """NFKC and casefold: the form every comparison of text uses."""
    return unicodedata.normalize("NFKC", text).casefold()


def words(text: str) -> list[str]:
    """The words of a text, in order (see the module's doc)."""
    if text.isascii():  # most text, and the same words: the one regex, no normalisation
        return _ASCII_WORD.findall(text.lower())
    out: list[str] = []
    text = normalize(text)
    at = 0
    for run in _CJK_RUN.finditer(text):
        out += _spaced_words(text[at:run.start()])
        out += _cjk_words(run.group())
        at = run.end()
    out += _spaced_words(text[at:])
    return out


def case_words(title: str, description: str = "") -> list[str]:
    """The words of a case's title and the start of its description."""
    return words(f"{title} {description[:MAX_CHARACTERS]}")


def with_pairs(tokens: list[str]) -> list[str]:
    """The tokens and each pair of neighbours (`disk full`)."""
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def words_and_pairs(text: str) -> list[str]:
    """A TfidfVectorizer analyzer: words and word pairs (what `ngram_range=(1, 2)` gives,
    with these words). Module-level, so a fitted vectorizer pickles."""
    return with_pairs(words(text))


def mentions(text: str, term: str) -> bool:
    """Whether `text` names `term` (a skill, a policy word, a phrase): as whole words where
    the script has spaces (`db` is not in `dbus`), as characters where it has none (`決済` is
    in `決済が失敗する`). Compared normalised, accents folded."""
    needle = _fold(normalize(term).strip())
    if not needle:
        return False
    haystack = _fold(normalize(text))
    start = haystack.find(needle)
    while start >= 0:
        end = start + len(needle)
        if (_edge_ok(haystack, start - 1, needle[0])
                and _edge_ok(haystack, end, needle[-1])):
            return True
        start = haystack.find(needle, start + 1)
    return False


def _edge_ok(text: str, at: int, inner: str) -> bool:
    """A term may end at `at` unless a letter or digit of a spaced script continues the word
    it is part of on both sides of the edge."""
    if at < 0 or at >= len(text):
        return True
    outer = text[at]
    return not (_TERM_EDGE.match(outer) and _TERM_EDGE.match(inner)
                and not _CJK_RUN.match(outer) and not _CJK_RUN.match(inner))


def _spaced_words(text: str) -> list[str]:
    out: list[str] = []
    for word in _WORD.findall(text):
        word = _fold(word)
        out.append(word)
        if _HANGUL.search(word) and len(word) > 2:
            out += _bigrams(word)
    return out


def _cjk_words(run: str) -> list[str]:
    out: list[str] = []
    if CJK_MODE in ("both", "morphemes"):
        out += [form for form in _morphemes(run) if form]
    if CJK_MODE in ("both", "bigrams") or not out:
        grams = _bigrams(run) if len(run) > 1 else [run]
        out += [g for g in grams if g not in out] if CJK_MODE == "both" else grams
    return out


def _bigrams(word: str) -> list[str]:
    return [word[n:n + 2] for n in range(len(word) - 1)]


def _morphemes(run: str) -> Iterable[str]:
    for morpheme in _tokenizer().tokenize(run):
        if morpheme.part_of_speech()[0] not in _DROPPED:
            yield morpheme.normalized_form().casefold()


def _tokenizer() -> Any:
    """This thread's Sudachi tokenizer (split mode B: middle-sized units, `決済` and
    `失敗`, not `決済失敗` nor single characters)."""
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import SplitMode

        tokenizer = _local.tokenizer = _dictionary().tokenizer(mode=SplitMode.B)
    return tokenizer


@cache
def _dictionary() -> Any:
    from sudachipy import Dictionary

    return Dictionary(dict="core")


@cache
def _fold_char(char: str) -> str:
    """A Latin letter without its accents (`é` → `e`, `ß` stays); other scripts unchanged
    (kana keep their voicing marks, Cyrillic `й` stays)."""
    if not ("\u00c0" <= char <= "\u024f" or "\u1e00" <= char <= "\u1eff"):
        return char
    base = "".join(c for c in unicodedata.normalize("NFD", char)
                   if not unicodedata.combining(c))
    return base if base.isascii() else char


def _fold(text: str) -> str:
    if text.isascii():
        return text
    return "".join(_fold_char(c) for c in text)

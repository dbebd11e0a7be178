"""What a case is before it is stored: severity, the declaration, its channel's name. Pure."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from bot.domain.errors import InvalidInput, UsageError
from bot.domain.mrkdwn import escape
from bot.domain.states import SEVERITIES

SEVERITY_WORDS = {"sev1": "critical", "sev2": "major", "sev3": "minor", "sev4": "low"}
# The Japanese words for the severities, as the catalog shows them (sev1 — 緊急 …): typed as
# a word of their own, they name the severity (`/swarm new 決済が失敗する 緊急`,
# `/swarm severity 重大`). Inside a title word (`緊急対応`) they stay title.
JAPANESE_SEVERITIES = {"緊急": "sev1", "重大": "sev2", "軽微": "sev3", "低": "sev4"}
MAX_TITLE = 150
MAX_DESCRIPTION = 3000
MAX_TAGS = 10
MAX_SERVICE = 60
MAX_TAG = 40
CHANNEL_NAME_MAX = 80

_SEVERITY = re.compile(r"^(?:sev|s|p)[-_ ]?([1-4])$", re.IGNORECASE)
_SEVERITY_LIKE = re.compile(r"^sev[-_]?\d+$", re.IGNORECASE)
_SERVICE = re.compile(r"^service:([\w.\-/]{1,60})$", re.IGNORECASE)
_TAG = re.compile(r"^#([\w.\-/]{1,40})$")
# a `#tag` that is also a channel's name, as Slack sends it with escaping on: `<#C123|tag>`
_CHANNEL_TAG = re.compile(r"^<#[CG][A-Z0-9]+\|([\w.\-/]{1,40})>$")
_NAME = re.compile(r"^[\w.\-/]+$")  # a service or tag: one word of letters, digits, . - _ /
_NAME_JUNK = re.compile(r"[-_]+")
_JAPANESE = re.compile("[\u3005\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def parse_severity(text: str) -> str:
    """`sev1`, `SEV-2`, `s3`, `p4`, `1`, `緊急` → `sev1`..`sev4`; anything else is refused."""
    cleaned = unicodedata.normalize("NFKC", text.strip())
    if cleaned in JAPANESE_SEVERITIES:
        return JAPANESE_SEVERITIES[cleaned]
    match = _SEVERITY.match(cleaned) or re.match(r"^([1-4])$", cleaned)
    if not match:
        raise InvalidInput("`{value}` is not a severity. Use sev1 (critical), sev2 (major), "
                           "sev3 (minor) or sev4 (low).", values={"value": escape(cleaned[:20])})
    return f"sev{match.group(1)}"


@dataclass(frozen=True)
class CaseDraft:
    title: str
    severity: str = "sev3"
    service: str = ""
    tags: tuple[str, ...] = field(default=())
    description: str = ""
    requester: str | None = None  # the Slack user the case is for, when not its declarer

    def __post_init__(self) -> None:
        """The one check of a draft, whichever way it came (slash command, form, webhook):
        each field within what Slack can show on the case's cards."""
        if not self.title.strip():
            raise UsageError("A case needs a title: `/swarm new <title> [sev1..sev4] "
                             "[service:<name>] [#tags]`.")
        if len(self.title) > MAX_TITLE:
            raise InvalidInput("That title is {length} characters; keep it under {limit} and "
                               "put the details in the description.", field="title",
                               values={"length": len(self.title), "limit": MAX_TITLE})
        if self.severity not in SEVERITIES:
            raise InvalidInput("`{value}` is not a severity; use sev1..sev4.", field="severity",
                               values={"value": escape(self.severity[:20])})
        if self.service and (len(self.service) > MAX_SERVICE or not _NAME.match(self.service)):
            raise InvalidInput("The service must be one word of at most {limit} letters, "
                               "digits or `. - _ /` (e.g. `payments`).", field="service",
                               values={"limit": MAX_SERVICE})
        if len(self.description) > MAX_DESCRIPTION:
            raise InvalidInput("The description is too long (at most {limit} characters).",
                               field="description", values={"limit": MAX_DESCRIPTION})
        if len(self.tags) > MAX_TAGS:
            raise InvalidInput("At most {limit} tags per case.", field="tags",
                               values={"limit": MAX_TAGS})
        for tag in self.tags:
            if len(tag) > MAX_TAG or not _NAME.match(tag):
                raise InvalidInput("A tag must be one word of at most {limit} letters, digits "
                                   "or `. - _ /` (e.g. `db`).", field="tags",
                                   values={"limit": MAX_TAG})


def parse_declaration(text: str, *, default_severity: str = "sev3") -> CaseDraft:
    """`Checkout latency sev1 service:payments #db #latency` → a CaseDraft.

    Severity, `service:` and `#tags` may stand anywhere; the remaining words are the title.
    They are recognised in full-width form too (`ｓｅｖ１`, `ｓｅｒｖｉｃｅ：ｐａｙｍｅｎｔｓ`, as
    a Japanese input method types them); title words stay as typed."""
    severity, service, tags, words = None, "", [], []
    for typed in text.split():
        word = unicodedata.normalize("NFKC", typed)
        if _SEVERITY.match(word) or _SEVERITY_LIKE.match(word) or word in JAPANESE_SEVERITIES:
            named = parse_severity(word)  # `sev9` is refused, not taken as a title word
            if severity is not None and named != severity:
                raise InvalidInput("Give the case one severity: both {one} and {other} are "
                                   "named.", values={"one": severity, "other": named})
            severity = named
        elif match := _SERVICE.match(word):
            if service and match.group(1).lower() != service:
                raise InvalidInput("Give the case one service: both `{one}` and `{other}` are "
                                   "named.", values={"one": service,
                                                     "other": match.group(1).lower()})
            service = match.group(1).lower()
        elif match := (_TAG.match(word) or _CHANNEL_TAG.match(word)):
            tag = match.group(1).lower()
            if tag not in tags:
                tags.append(tag)
        else:
            words.append(typed)
    return CaseDraft(title=" ".join(words), severity=severity or default_severity,
                     service=service, tags=tuple(tags))


def channel_name(case_id: int, title: str, *, prefix: str = "swarm", suffix: int = 0,
                 romanised: bool = False) -> str:
    """A readable, valid, unique-by-construction Slack channel name for a case:
    `swarm-0042-checkout-latency`, `swarm-0006-決済が失敗する` (at most 80 characters).

    conversations.create takes lowercase letters, numbers, hyphens and underscores, 80
    characters at most (https://docs.slack.dev/reference/methods/conversations.create,
    "Naming"); Slack's client and help centre count Japanese among those letters
    ("チャンネル名は80文字まで、日本語、英字 (小文字)、数字、ハイフン、アンダーバーが使えます",
    https://slack.com/intl/ja-jp/help/articles/201402297). So letters of other scripts are
    kept (Latin ones without accents: `café` → `cafe`); `romanised`: ASCII only, Japanese
    read out in Hepburn romaji (`swarm-0006-kessai-ga-shippai-suru`) and other scripts
    transliterated, for a workspace that refuses them."""
    text = unicodedata.normalize("NFKC", title).lower()
    text = _romaji(text) if romanised else text
    slug = "".join(_channel_char(c) for c in unicodedata.normalize("NFC", text))
    slug = _NAME_JUNK.sub("-", slug).strip("-")
    head = f"{prefix}-{case_id:04d}"
    tail = f"-{suffix + 1}" if suffix else ""
    room = CHANNEL_NAME_MAX - len(head) - len(tail) - 1
    slug = slug[:room].rstrip("-")
    return f"{head}-{slug}{tail}" if slug else f"{head}{tail}"


def _channel_char(char: str) -> str:
    """The character as a channel name has it: ASCII lowercase letters and digits as they
    are, Latin letters without their accents, lowercase letters of other scripts as they are,
    anything else `-` (runs of them become one)."""
    if char.isascii():
        return char if char.islower() or char.isdigit() else "-"
    if not char.isalpha() or char.isupper():
        return "-"
    base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
    if base and base.isalpha():
        return base.lower()
    return char


def _romaji(text: str) -> str:
    """Japanese in Hepburn romaji, word by word (pykakasi, its dictionary bundled); what
    is left that is not ASCII transliterated (anyascii: Cyrillic, Hangul, Greek…)."""
    from anyascii import anyascii

    if _JAPANESE.search(text):
        text = " ".join(item["hepburn"] or item["orig"] for item in _kakasi().convert(text))
    return anyascii(text).lower()


@cache
def _kakasi() -> Any:
    """pykakasi's converter, its dictionaries loaded once, on first use."""
    from pykakasi import kakasi

    return kakasi()  # type: ignore[no-untyped-call]  # pykakasi's constructor is untyped

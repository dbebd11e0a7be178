"""The one rule of who sees what of a private case (bot/domain/privacy.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.domain.privacy import IN_THE_CASE, PRIVATE_TITLE, text_for, title_for, visible_to


@dataclass
class _Person:
    user_id: str
    left_at: datetime | None = None


@dataclass
class _Case:
    is_private: bool
    title: str = "Leaked keys"
    owner_id: str | None = "UOWNER"
    requester_id: str | None = "UREQ"
    participants: list[_Person] = field(default_factory=list)


def test_a_private_case_shows_itself_only_to_the_people_in_it() -> None:
    case = _Case(True, participants=[_Person("UOWNER"), _Person("UEXPERT"),
                                     _Person("ULEFT", datetime(2026, 1, 1, tzinfo=UTC))])
    for inside in ("UOWNER", "UREQ", "UEXPERT", IN_THE_CASE):
        assert visible_to(case, inside) and title_for(case, inside) == "Leaked keys"
    for outside in ("UAPPROVER", "ULEFT", None):
        assert not visible_to(case, outside)
        assert title_for(case, outside) == PRIVATE_TITLE
        assert text_for(case, outside, "Rotated the keys") == ""


def test_a_case_that_is_not_private_shows_itself_to_everyone() -> None:
    case = _Case(False)
    assert visible_to(case, None) and text_for(case, "UANY", "text") == "text"

"""Who sees what of a private case — the one rule every surface uses.

A case tagged `security` or `private` is private. The people in it — its owner, its requester
and everyone working on it now — see all of it. Anyone else (an approver or a hand-off
recipient not on the case, an expert invited but not joined yet, a follow-up owner from
outside, someone reading `/swarm list`, a manager on the dashboard, an export, the case feed)
sees "Private case", its ids, times and states, never its title or any text written about
it. `viewer=None` is an audience outside every case (exports, dashboard, feed, metrics);
IN_THE_CASE the case's own channel (private for a private case: only its people are there).
Pure: works on anything shaped like models.case.Case."""

from __future__ import annotations

from typing import Any

PRIVATE_TITLE = "Private case"
IN_THE_CASE = "(the case's own channel)"  # a viewer: whoever reads the case channel


def people_in(case: Any) -> set[str]:
    """Everyone in the case now: owner, requester, and the people working on it."""
    people = {p.user_id for p in case.participants if p.left_at is None}
    return people | {u for u in (case.owner_id, case.requester_id) if u}


def visible_to(case: Any, viewer: str | None) -> bool:
    """Whether `viewer` may see the case's title and texts."""
    if not case.is_private or viewer == IN_THE_CASE:
        return True
    return viewer is not None and viewer in people_in(case)


def title_for(case: Any, viewer: str | None) -> str:
    return case.title if visible_to(case, viewer) else PRIVATE_TITLE


def text_for(case: Any, viewer: str | None, text: str | None) -> str:
    """A text written about the case (status, summary, note, lesson…): "" when hidden."""
    return (text or "") if visible_to(case, viewer) else ""

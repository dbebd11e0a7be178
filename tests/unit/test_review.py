"""The post-case review drafted from a hand-built timeline: time at each level and in the
swarm, SLA results, who did what, and lessons (or prompts for them) — as Markdown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.metrics import Event
from bot.domain.review import CaseFacts, draft_review, to_markdown

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


TIMELINE = [
    (Event(at(0), "declared", "UREQ"), "Declared by <@UREQ> as sev4"),
    (Event(at(0), "level_set", "UREQ", {"level": "L1"}), "Placed at L1 (declared)"),
    (Event(at(12), "sla_warning", None, {"level": "L1", "sla": "response"}), "3 min left"),
    (Event(at(15), "sla_breached", None, {"level": "L1", "sla": "response"}), "L1 breached"),
    (Event(at(15), "escalated", None, {"level": "L2"}), "Escalated L1 → L2"),
    (Event(at(40), "acknowledged", "UL2", {"level": "L2", "minutes": 25}), "Acknowledged"),
    (Event(at(50), "status_update", "UL2"), "Found the bad cache key"),
    (Event(at(70), "severity_changed", "UREQ"), "sev4 → sev2"),
    (Event(at(70), "mode_changed", None, {"mode": "swarm"}), "Now swarmed"),
    (Event(at(75), "invite_accepted", "UEXP"), "<@UEXP> joined the swarm"),
    (Event(at(130), "resolved", "UREQ"), "Purged the cache"),
]
FACTS = CaseFacts(reference="#0007", title="Stale prices", severity="sev2", service="shop",
                  owner_id="UREQ", status="resolved", summary="Purged the cache",
                  created_at=T0, resolved_at=at(130))


def _review(extra: list[tuple[Event, str]] = ()):  # type: ignore[assignment]
    pairs = [*TIMELINE, *extra]
    return draft_review(FACTS, [e for e, _ in pairs], texts=[t for _, t in pairs])


def test_time_spent_at_each_level_and_in_the_swarm() -> None:
    review = _review()
    assert review.time_in == {"L1": timedelta(minutes=15), "L2": timedelta(minutes=55),
                              "swarm": timedelta(minutes=60)}
    assert review.sla == ["L2: acknowledged after 25 min", "L1: response SLA breached"]
    assert dict(review.contributions["UL2"]) == {"acknowledgements": 1, "status updates": 1}
    assert dict(review.contributions["UEXP"]) == {"joined the swarm": 1}


def test_the_markdown_export_prompts_for_lessons_until_there_are_some() -> None:
    markdown = to_markdown(_review())
    assert markdown.startswith("# Review of case #0007: Stale prices\n")
    assert "- Status: resolved (duration: 2 h 10 min)" in markdown
    assert "- L2: 55 min" in markdown and "- swarm: 1 h 0 min" in markdown
    assert "- 2026-11-02 09:15 UTC — Escalated L1 → L2" in markdown
    assert "- What went well?" in markdown
    with_lesson = to_markdown(_review([(Event(at(140), "lesson", "UL2"),
                                        "Version the cache keys")]))
    assert "- Version the cache keys (<@UL2>)" in with_lesson
    assert "What went well?" not in with_lesson
    assert "Version the cache keys" not in with_lesson.split("## Timeline")[1].split(
        "## Lessons")[0]  # lessons are not timeline noise


def test_a_reopened_case_counts_time_from_the_reopening() -> None:
    review = _review([(Event(at(200), "reopened", "UREQ"), "Reopened"),
                      (Event(at(230), "resolved", "UREQ"), "Really fixed")])
    assert review.time_in["swarm"] == timedelta(minutes=90)

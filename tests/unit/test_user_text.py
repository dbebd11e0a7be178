"""The one escaping function (bot/domain/mrkdwn.py) and every Block Kit builder that shows
what people typed: nothing typed pings or links, the people the bot names stay mentions."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.domain.mrkdwn import escape, plain
from bot.domain.review import CaseFacts, draft_review
from bot.slack import blocks as b

TYPED = "<!channel> <!here> <!everyone> <!subteam^S1|@oncall> <http://evil|Re-authenticate> & co"
PING_OR_LINK = re.compile(r"<(?:!|https?:)")  # the bot's own <#C…> links are fine


def _mrkdwn(obj: object) -> list[str]:
    if isinstance(obj, dict):
        if obj.get("type") == "plain_text":
            return []
        return [t for v in obj.values() for t in _mrkdwn(v)]
    if isinstance(obj, (list, tuple)):
        return [t for v in obj for t in _mrkdwn(v)]
    return [obj] if isinstance(obj, str) else []


def _safe(rendered: object) -> None:
    texts = _mrkdwn(rendered)
    assert texts
    for text in texts:
        assert not PING_OR_LINK.search(text), text
    assert any("&lt;!channel&gt;" in t for t in texts), texts  # shown, not dropped


def test_escape_turns_the_three_control_characters_into_entities() -> None:
    assert escape(TYPED) == ("&lt;!channel&gt; &lt;!here&gt; &lt;!everyone&gt; "
                             "&lt;!subteam^S1|@oncall&gt; &lt;http://evil|Re-authenticate&gt; "
                             "&amp; co")
    assert escape("a &lt; b &amp; c") == "a &lt; b &amp; c"  # Slack's own entities: kept
    assert escape(None) == "" and escape("fine *bold*") == "fine *bold*"


def test_escape_keeps_a_mention_of_one_person_without_its_label() -> None:
    assert escape("ask <@U0123ABC> or <@W99XY|dana>") == "ask <@U0123ABC> or <@W99XY>"
    assert escape("<@U0123|Re-authenticate at http://evil>") == "<@U0123>"
    assert escape("<@channel>") == "&lt;@channel&gt;"


def test_plain_is_what_a_topic_can_show() -> None:
    assert plain("owner <@U1> · <!here> <http://x|call> a &lt; b", {"U1": "maya"}) == \
        "owner @maya · here call a < b"


@pytest.mark.parametrize("build", [
    lambda t: b.case_summary(reference="#1", title=t, severity="sev1", status="open",
                             mode="swarm", owner_id="U1", service=t, tags=[t], description=t,
                             participants=["U1"]),
    lambda t: b.invite_message(reference="#1", title=t, severity="sev1", owner_id="U1",
                               reason=t, channel_id="C1", state="pending"),
    lambda t: b.resolution_message(reference="#1", owner_id="U1", duration="1 h", helpers=[],
                                   summary=t, timeline=[escape(t)], confirm_from="U1",
                                   confirm_action="a", reopen_action="r", case_id=1,
                                   followups=[(1, "U2", t, False)]),
    lambda t: b.case_list([("#1", t, "sev1", "U1", "C1")]),
    lambda t: b.home_view(my_cases=[("#1", t, "sev1", "C1")], invites=[("#2", t, "sev2", t)],
                          open_swarms=0, skills=[], away=False),
    lambda t: b.handoff_message(reference="#1", title=t, severity="sev3", level="L2", reason=t,
                                owner_id="U1", requester_id="U2", channel_id="C1", service=t,
                                description=t, tried=[f"<@U1>: {t}"], timeline=[escape(t)],
                                sla="s"),
    lambda t: b.approval_request_message(reference="#1", title=t, item="legal", note=t,
                                         level="L3", requested_by="U1", state="pending",
                                         decided_by=None, approve_action="a",
                                         reject_action="r", approval_id=1),
], ids=["summary", "invite", "resolution", "list", "home", "handoff", "approval"])
def test_every_builder_shows_typed_markup_as_typed(build) -> None:  # type: ignore[no-untyped-def]
    _safe(build(TYPED))


def test_the_review_draft_shows_typed_markup_as_typed_and_names_people() -> None:
    from bot.domain.metrics import Event

    at = datetime(2026, 11, 17, tzinfo=UTC)
    facts = CaseFacts(reference="#0001", title=TYPED, severity="sev1", service="", owner_id="U1",
                      status="resolved", summary=TYPED, created_at=at, resolved_at=at)
    review = draft_review(facts,
                          [Event(at, "status_update", "U1", {}), Event(at, "lesson", "U2", {})],
                          texts=[f"<@U1> said {escape(TYPED)}", escape(TYPED)])  # describe's
    rendered = b.review_blocks(review)
    _safe(rendered)
    assert "<@U1>" in str(rendered) and "<@U2>" in str(rendered)


def test_the_topic_is_plain_text() -> None:
    topic = b.case_topic(reference="#0001", severity="sev1", owner_id="U1", status="open",
                         mode="swarm", level=None, note=f"vendor: {escape(TYPED)}",
                         call="https://meet.example/x", owner_handle="maya")
    # shown as typed (Slack parses nothing in a topic), no entities, no markup of the bot's
    assert "owner @maya" in topic and "<!channel> <!here>" in topic and "&" + "lt;" not in topic
    assert "<@" not in topic and "call https://meet.example/x" in topic

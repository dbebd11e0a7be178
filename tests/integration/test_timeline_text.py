"""The timeline keeps data, not Slack markup: a converted event (a claim, an added person, a
reopening…) is stored without text and rendered where it is shown — as Slack mentions in
Slack, as `@handle` in an export. Events stored with text before (an existing audit chain)
keep it: the chain still verifies and they are shown as before."""

from __future__ import annotations

import io
import json
from typing import Any

from bot.domain.case import parse_declaration
from bot.services import cases, leaving, resolution, swarm
from bot.services.audit import verify_timelines
from bot.services.context import ServiceContext
from bot.services.expertise import register_expert
from bot.services.export import EVENT_FIELDS, event_rows, write_rows
from bot.services.review import review_for
from tests.integration.conftest import Clock
from tests.integration.declaring import declare


def _hook_case(services: ServiceContext) -> int:
    case_id = cases.open_case_from_hook(services, source="pagerduty", external_id="P1",
                                        draft=parse_declaration("Disk full on db-7 sev4")).case_id
    with services.uow() as uow:
        uow.cases.get(case_id).channel_id = "CCASE"
        uow.commit()
    return case_id


def _export(services: ServiceContext) -> dict[str, str]:
    out = io.StringIO()
    write_rows(event_rows(services), EVENT_FIELDS, out, "jsonl")
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    return {row["kind"]: row["text"] for row in rows}


def test_people_on_the_timeline_are_data_shown_by_each_surface(services: ServiceContext,
                                                               clock: Clock) -> None:
    register_expert(services, user_id="UDANA", handle="dana")
    case_id = _hook_case(services)
    cases.claim_case(services, case_id=case_id, user_id="UDANA")
    swarm.add_people(services, channel_id="CCASE", actor="UDANA", user_ids=["UEXP9"])
    leaving.leave_case(services, channel_id="CCASE", actor="UEXP9")
    resolution.resolve_case(services, channel_id="CCASE", actor="UDANA", summary="Rotated logs")
    resolution.reopen_case(services, case_id=case_id, actor="UDANA")
    with services.uow() as uow:
        stored = {e.kind: e.text for e in uow.timeline.for_case(case_id)}
        review = [text for _, text in review_for(uow, uow.cases.get(case_id)).timeline]
    assert all(stored[kind] == "" for kind in ("claimed", "added", "left", "reopened"))
    assert "Claimed by <@UDANA>" in review and "<@UDANA> added <@UEXP9>" in review
    exported = _export(services)
    assert exported["claimed"] == "Claimed by @dana"
    assert exported["added"] == "@dana added @UEXP9"  # no handle known: the Slack id
    assert exported["left"] == "@UEXP9 left the swarm"
    assert exported["reopened"] == "Reopened by @dana"
    assert "<@" not in "".join(exported.values())
    assert verify_timelines(services).intact


def test_an_event_stored_with_markup_before_still_verifies_and_reads_plain_in_an_export(
        services: ServiceContext, clock: Clock) -> None:
    register_expert(services, user_id="UDANA", handle="dana")
    case_id = _hook_case(services)
    with services.uow() as uow:  # as the bot recorded them before issue 17
        uow.timeline.record(case_id, "claimed", "Claimed by <@UDANA>", actor="UDANA")
        uow.timeline.record(case_id, "owner_changed", "<@UDANA> handed the case to <@UBO>",
                            actor="UDANA", previous="UDANA", owner="UBO")
        uow.cases.get(case_id).owner_id = "UBO"  # the case record as those events set it
        uow.commit()
    assert verify_timelines(services).intact
    exported = _export(services)
    assert exported["claimed"] == "Claimed by @dana"
    assert exported["owner_changed"] == "@dana handed the case to @UBO"


def test_every_event_the_bot_words_is_stored_as_data_and_reads_as_before(
        services: ServiceContext, clock: Clock) -> None:
    """Declared, handed over, severity, follow-ups…: no text stored, the same words in the
    review (Slack mentions) and in the export (plain, no Slack markup)."""
    from bot.domain.timeline import converted
    from bot.services import followups

    register_expert(services, user_id="UDANA", handle="dana")
    case_id = declare(services, owner_id="UDANA", origin_channel="CGEN",
                                 draft=parse_declaration("Disk full on db-7 sev2")).case_id
    with services.uow() as uow:
        uow.cases.get(case_id).channel_id = "CCASE"
        uow.commit()
    cases.change_severity(services, channel_id="CCASE", actor="UDANA", severity_text="sev3")
    cases.hand_over(services, channel_id="CCASE", actor="UDANA", new_owner="UBO")
    followups.add_followup(services, channel_id="CCASE", actor="UBO", text="Add alerts",
                           owner=None)
    followups.complete_followup(services, followup_id=1, actor="UBO")
    with services.uow() as uow:
        stored = {e.kind: e.text for e in uow.timeline.for_case(case_id)}
        review = [text for _, text in review_for(uow, uow.cases.get(case_id)).timeline]
    assert [k for k in ("declared", "severity_changed", "owner_changed", "followup",
                        "followup_done") if stored[k]] == []
    assert [k for k, text in stored.items() if converted(k) and text] == []
    assert "Declared by <@UDANA> as sev2" in review
    assert "sev2 → sev3" in review
    assert "<@UDANA> handed the case to <@UBO>" in review
    assert "Follow-up F1 for <@UBO>: Add alerts" in review
    assert "Follow-up F1 done: Add alerts" in review
    exported = _export(services)
    assert exported["declared"] == "Declared by @dana as sev2"
    assert exported["owner_changed"] == "@dana handed the case to @UBO"
    assert exported["followup"] == "Follow-up F1 for @UBO: Add alerts"
    assert not [t for t in exported.values() if "<@" in t or "<#" in t or "<!" in t]
    assert verify_timelines(services).intact


def test_a_workflow_posts_channel_link_shows_as_a_link_and_typed_markup_as_typed(
        session_factory: Any, clock: Clock, fake_model: Any) -> None:
    """The review, the resolution and the hand-off show the bot's own `<#C…>` link from a
    workflow run as a link, and what a person typed (`<!channel>`, `<script>`) as typed; the
    export and the Markdown review carry no entities."""
    from bot.config import load_settings
    from bot.domain.policy import policy_from
    from bot.services import status
    from bot.services.review import review_markdown
    from bot.slack.blocks import handoff_message, review_blocks
    from bot.slack.effects.messages import _resolution_plan
    from models.uow import UnitOfWork

    settings = load_settings(_env_file=None, slack_bot_token="xoxb-x", slack_signing_secret="s")
    levels = {level: {"response": "1h", "resolution": "8h"} for level in ("L1", "L2", "L3")}
    policy = policy_from({"levels": levels,
                          "workflows": [{"name": "heads-up", "when": "declared", "steps": [
        {"do": "post", "channel": "C0STAKE", "text": "{reference} declared"}]}]})
    ctx = ServiceContext(settings=settings, uow=lambda: UnitOfWork(session_factory, clock),
                         now=clock, recommender=lambda: fake_model, policy=policy)
    case_id = declare(ctx, owner_id="UDANA",
                                 draft=parse_declaration("Disk full on db-7 sev2")).case_id
    with ctx.uow() as uow:
        uow.cases.get(case_id).channel_id = "CCASE"
        uow.commit()
    status.post_status(ctx, channel_id="CCASE", actor="UDANA",
                       text="<!channel> try <script>alert(1)</script> & reboot")
    resolution.resolve_case(ctx, channel_id="CCASE", actor="UDANA", summary="Rotated logs")
    with ctx.uow() as uow:
        case = uow.cases.get(case_id)
        review = str(review_blocks(review_for(uow, case))[1])
        resolved = str(_resolution_plan(uow, case)["blocks"])
        lines = [text for _, text in review_for(uow, case).timeline]
    handoff = str(handoff_message(reference="#1", title="t", severity="sev2", level="L2",
                                  reason="r", owner_id="UDANA", requester_id=None,
                                  channel_id="CCASE", service="", description="", tried=[],
                                  timeline=lines, sla="s")[1])
    for shown in (review, resolved, handoff):
        assert "posted to <#C0STAKE>" in shown, shown
        assert "&lt;!channel&gt; try &lt;script&gt;alert(1)&lt;/script&gt; &amp; reboot" in shown
        assert "<!channel>" not in shown and "<script>" not in shown
        assert "&amp;lt;" not in shown  # escaped once, not twice
    markdown = review_markdown(ctx, case_id)
    assert "<!channel> try <script>alert(1)</script> & reboot" in markdown
    exported = _export(ctx)
    assert exported["status_update"].endswith("& reboot")  # plain text, as before
    assert exported["workflow_run"].endswith("posted to C0STAKE")
    assert "&lt;" not in markdown + "".join(exported.values())

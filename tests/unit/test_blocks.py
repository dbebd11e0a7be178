"""Block Kit builders: pure functions, checked without Slack against Slack's limits."""

from bot.slack.blocks import case_summary, case_topic, declare_modal, home_view, invite_message


def _texts(blocks: list[dict]) -> str:
    return str(blocks)


def test_unowned_case_summary_offers_a_claim_button() -> None:
    blocks = case_summary(reference="#0007", title="Disk full", severity="sev2", status="open",
                          mode="swarm", owner_id=None, service="db", tags=["disk"],
                          description="", participants=[], claim_action="case.claim", case_id=7)
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [("case.claim", "7")]


def test_owned_case_summary_has_no_claim_button_and_names_the_owner() -> None:
    blocks = case_summary(reference="#0007", title="x" * 400, severity="sev1", status="open",
                          mode="swarm", owner_id="U1", service="", tags=[], description="d",
                          participants=["U1", "U2"], claim_action="case.claim", case_id=7)
    assert all(b["type"] != "actions" for b in blocks)
    assert "<@U1>" in _texts(blocks) and "<@U2>" in _texts(blocks)
    assert len(blocks[0]["text"]["text"]) <= 150  # Slack's header limit


def test_invite_says_why_and_how_to_answer_until_answered() -> None:
    _, pending = invite_message(reference="#0001", title="DB down", severity="sev1",
                                owner_id="U1", reason="resolved 4 similar `db` cases",
                                channel_id="C9", state="pending")
    assert "resolved 4 similar" in _texts(pending) and ":white_check_mark:" in _texts(pending)
    assert "<#C9>" in _texts(pending)
    _, answered = invite_message(reference="#0001", title="DB down", severity="sev1",
                                 owner_id="U1", reason="r", channel_id=None, state="declined")
    assert "*declined*" in _texts(answered) and ":white_check_mark:" not in _texts(answered)


def test_topic_fits_slack_limit() -> None:
    topic = case_topic(reference="#0001", severity="sev1", owner_id="U" * 300, status="open",
                       mode="tiered", level="L2")
    assert len(topic) <= 250


def test_home_and_modal_are_well_formed() -> None:
    view = home_view(my_cases=[("#0001", "DB down", "sev1", "C1")],
                     invites=[("#0002", "Slow search", "sev2", "resolved 3 search cases")],
                     open_swarms=1, skills=["postgres"], away=False)
    assert view["type"] == "home" and "#0002" in _texts(view["blocks"])
    modal = declare_modal(callback_id="case.declare", private_metadata="C1")
    assert modal["type"] == "modal" and modal["private_metadata"] == "C1"
    assert {b["block_id"] for b in modal["blocks"]} == {"case_title", "case_severity",
                                                       "case_service", "case_description"}


def test_an_app_home_with_many_cases_stays_within_slacks_section_limit() -> None:
    cases = [(f"#{n:04d}", "Checkout errors in the payment service, again", "sev1", "C0123456")
             for n in range(200)]
    view = home_view(my_cases=cases, invites=[("#0001", "t", "sev1", "why " * 30)] * 80,
                     open_swarms=3, skills=[], away=False)
    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert all(len(t) <= 3000 for t in texts)
    assert "#0000" in texts[0] and texts[0].endswith("more")

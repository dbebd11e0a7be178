"""Payload and Block Kit formats, modal and Home tab interactions, subscribed events, and
the helpers tests lean on (snapshot, wait_for)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.sandbox.emulator import SlackEmulator
from bot.sandbox.emulator.blocks import check_blocks, check_view
from bot.sandbox.emulator.payloads import state_entry
from tests.emulator.conftest import BoltBot

SELECT = {"type": "static_select", "action_id": "sev", "options": [
    {"text": {"type": "plain_text", "text": "Sev 1"}, "value": "sev1"}]}


def test_block_kit_limits() -> None:
    assert check_blocks([{"type": "divider"}]) == []
    assert check_blocks([{"type": "divider"}] * 51)[0].startswith("must provide no more than 50")
    assert check_blocks([{"type": "divider"}] * 51, surface="modal") == []
    errors = check_blocks([
        {"type": "header", "text": {"type": "mrkdwn", "text": "H"}},
        {"type": "section", "block_id": "x", "text": {"type": "mrkdwn", "text": "a" * 3001}},
        {"type": "section", "block_id": "x", "fields": []},
        {"type": "actions", "elements": [{"type": "button", "action_id": "b", "style": "red",
                                          "text": {"type": "plain_text", "text": "b" * 76}}]},
        {"type": "input", "label": {"type": "plain_text", "text": "L"},
         "element": {"type": "plain_text_input", "action_id": "i"}},
        {"type": "sparkles"}])
    pointers = [e.split("json-pointer:")[1].rstrip("]") for e in errors]
    assert pointers == ["/blocks/0/text/type", "/blocks/1/text/text", "/blocks/2/block_id",
                        "/blocks/2", "/blocks/3/elements/0/text/text",
                        "/blocks/3/elements/0/style", "/blocks/4", "/blocks/5/type"]


def test_view_limits() -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}, "blocks": []}
    assert check_view(modal) == ["must be less than 25 characters [json-pointer:/view/title/text]"]
    assert check_view({"type": "home", "blocks": [], "private_metadata": "m" * 3001})
    assert check_view({"type": "workflow_step", "blocks": []})


def test_state_values_in_slacks_shapes() -> None:
    assert state_entry(SELECT, "sev1") == {"type": "static_select", "selected_option": {
        "text": {"type": "plain_text", "text": "Sev 1"}, "value": "sev1"}}
    assert state_entry({"type": "multi_users_select"}, ["U1", "U2"]) == {
        "type": "multi_users_select", "selected_users": ["U1", "U2"]}
    assert state_entry({"type": "datepicker"}, "2026-11-17") == {
        "type": "datepicker", "selected_date": "2026-11-17"}
    assert state_entry({"type": "plain_text_input"}, None) == {
        "type": "plain_text_input", "value": None}


FORM = {"type": "modal", "callback_id": "declare", "notify_on_close": True,
        "title": {"type": "plain_text", "text": "Declare"},
        "submit": {"type": "plain_text", "text": "Declare"},
        "blocks": [{"type": "input", "block_id": "sev", "label": {"type": "plain_text",
                                                                    "text": "Severity"},
                    "element": SELECT, "dispatch_action": True}]}


def test_select_in_a_modal_and_closing_it(emu: SlackEmulator, bolt: BoltBot) -> None:
    seen: list[dict[str, Any]] = []

    @bolt.app.action("sev")
    def picked(ack: Any, body: dict[str, Any]) -> None:
        seen.append(body)
        ack()

    @bolt.app.view_closed("declare")
    def closed(ack: Any, body: dict[str, Any]) -> None:
        seen.append(body)
        ack()

    alice = emu.add_user("alice")
    view = WebClient(token="xoxb-emulator-test", base_url=emu.api_url).views_open(
        trigger_id=emu._new_trigger(alice), view=FORM)["view"]
    assert emu.click_in_view(alice, view["id"], "sev", "sev1").status == 200
    assert seen[0]["container"] == {"type": "view", "view_id": view["id"]}
    assert seen[0]["actions"][0]["selected_option"]["value"] == "sev1"
    assert emu.close_view(alice, view["id"]).status == 200
    assert seen[1]["type"] == "view_closed" and seen[1]["view"]["id"] == view["id"]
    assert emu.open_views(alice) == []


def test_buttons_in_ephemeral_messages(emu: SlackEmulator, bolt: BoltBot) -> None:
    @bolt.app.action("undo")
    def undo(ack: Any, respond: Any, body: dict[str, Any]) -> None:
        ack()
        assert body["container"]["is_ephemeral"] and "message" not in body
        respond(delete_original=True)

    alice = emu.add_user("alice")
    general = emu.add_channel("general", members=[alice, emu.bot_user_id])
    shown = WebClient(token="xoxb-emulator-test", base_url=emu.api_url).chat_postEphemeral(
        channel=general, user=alice, text="done", blocks=[{"type": "actions", "elements": [
            {"type": "button", "action_id": "undo", "text": {"type": "plain_text",
                                                             "text": "Undo"}}]}])
    emu.click(alice, general, shown["message_ts"], "undo")
    emu.wait_for(lambda: emu.ephemerals(alice) == [], message="ephemeral deleted")


def test_subscribed_events_follow_the_bots_own_calls(emu: SlackEmulator,
                                                     bolt: BoltBot) -> None:
    joined: list[dict[str, Any]] = []

    @bolt.app.event("member_joined_channel")
    def member_joined(event: dict[str, Any]) -> None:
        joined.append(event)

    alice = emu.add_user("alice")
    client = WebClient(token="xoxb-emulator-test", base_url=emu.api_url)
    channel = client.conversations_create(name="swarm-0002")["channel"]["id"]
    client.conversations_invite(channel=channel, users=alice)  # not subscribed: nothing sent
    emu.subscribe("member_joined_channel")
    bob = emu.add_user("bob")
    client.conversations_invite(channel=channel, users=bob)
    emu.wait_for(lambda: joined, message="member_joined_channel delivered")
    assert [(e["user"], e["channel"], e["inviter"]) for e in joined] == [
        (bob, channel, emu.bot_user_id)]
    assert len(emu.deliveries("member_joined_channel")) == 1


def test_snapshot_is_json_and_wait_for_explains_itself(emu: SlackEmulator) -> None:
    alice = emu.add_user("alice")
    emu.add_channel("general", members=[alice])
    snapshot = json.loads(json.dumps(emu.snapshot()))
    assert {c["name"] for c in snapshot["channels"]} == {"general"}
    with pytest.raises(AssertionError, match="a message in general not met within 0.05s"):
        emu.wait_for(lambda: emu.messages("general"), timeout=0.05,
                     message="a message in general")



def test_a_typed_at_name_of_a_member_is_sent_as_a_mention_like_slack_escapes_it() -> None:
    """The manifest's /swarm has should_escape: a member typed as @name arrives as <@U…|name>
    (what the composer's autocomplete gives); an unknown name stays as typed."""
    from bot.sandbox.emulator import SlackEmulator

    emulator = SlackEmulator(signing_secret="s", bot_token="xoxb-t")
    ana = emulator.add_user("ana")
    assert emulator._escape_mentions("invite @ana and @anna, <@U1|x> a@ana.example") == \
        f"invite <@{ana}|ana> and @anna, <@U1|x> a@ana.example"

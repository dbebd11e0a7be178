"""The Web API through the real slack_sdk client: documented answers and error codes."""

from __future__ import annotations

import time

import pytest
import requests
from slack_sdk import WebClient

from bot.sandbox.emulator import SlackEmulator
from tests.emulator.conftest import TOKEN, slack_error


def test_auth_is_checked_like_slack(emu: SlackEmulator) -> None:
    assert slack_error(WebClient(base_url=emu.api_url).auth_test) == "not_authed"
    assert slack_error(WebClient(token="xoxb-wrong", base_url=emu.api_url).auth_test) == \
        "invalid_auth"
    me = WebClient(token=TOKEN, base_url=emu.api_url).auth_test()
    assert me["user_id"] == emu.bot_user_id and me["team_id"] == "T0001" and me["bot_id"]


def test_unknown_method(client: WebClient) -> None:
    assert slack_error(lambda: client.api_call("chat.frobnicate")) == "unknown_method"


def test_form_json_and_query_arguments_all_work(emu: SlackEmulator) -> None:
    url, auth = emu.api_url, {"Authorization": f"Bearer {TOKEN}"}
    general = emu.add_channel("general")
    form = requests.post(url + "chat.postMessage", data={"channel": general, "text": "form",
                                                         "token": TOKEN}, timeout=5).json()
    as_json = requests.post(url + "chat.postMessage", json={"channel": general, "text": "json"},
                            headers=auth, timeout=5).json()
    query = requests.get(url + "conversations.info", params={"channel": general, "token": TOKEN},
                         timeout=5).json()
    assert form["ok"] and as_json["ok"] and query["channel"]["id"] == general
    assert [m["text"] for m in emu.messages(general)] == ["form", "json"]
    # Slack's HTTP-200 errors for bodies it cannot read
    bad = requests.post(url + "auth.test", data=b"{nope", headers={
        **auth, "Content-Type": "application/json"}, timeout=5)
    assert bad.status_code == 200 and bad.json() == {"ok": False, "error": "invalid_json"}


def test_json_token_and_json_arguments_to_read_methods_are_not_seen(emu: SlackEmulator) -> None:
    url, auth = emu.api_url, {"Authorization": f"Bearer {TOKEN}"}
    general = emu.add_channel("general")
    assert requests.post(url + "auth.test", json={"token": TOKEN},
                         timeout=5).json()["error"] == "not_authed"
    answer = requests.post(url + "conversations.info", json={"channel": general}, headers=auth,
                           timeout=5).json()
    assert answer == {"ok": False, "error": "channel_not_found"}


@pytest.mark.parametrize(("name", "error"), [
    ("", "invalid_name_required"), ("x" * 81, "invalid_name_maxlength"),
    ("Has-Caps", "invalid_name_specials"), ("bad!name", "invalid_name_specials"),
    ("two words", "invalid_name_specials"), ("---", "invalid_name_punctuation")])
def test_channel_name_rules(client: WebClient, name: str, error: str) -> None:
    assert slack_error(lambda: client.conversations_create(name=name)) == error


def test_valid_names_and_name_taken_even_when_archived(client: WebClient) -> None:
    created = client.conversations_create(name="swarm-0001_db" + "x" * 67)["channel"]
    assert len(created["name"]) == 80 and created["is_member"] and created["is_channel"]
    client.conversations_archive(channel=created["id"])
    assert slack_error(lambda: client.conversations_create(name=created["name"])) == "name_taken"
    private = client.conversations_create(name="secret", is_private=True)["channel"]
    assert private["is_private"] and private["is_group"] and private["id"].startswith("G")


def test_invite_kick_and_archive_errors(emu: SlackEmulator, client: WebClient) -> None:
    alice, bob = emu.add_user("alice"), emu.add_user("bob")
    channel = client.conversations_create(name="swarm-0001-db")["channel"]["id"]
    assert client.conversations_invite(channel=channel, users=f"{alice},{bob}")["ok"]
    assert emu.channel("swarm-0001-db")["members"] == [emu.bot_user_id, alice, bob]
    with pytest.raises(Exception) as raised:
        client.conversations_invite(channel=channel, users=alice)
    assert raised.value.response["error"] == "already_in_channel"
    assert raised.value.response["errors"] == [
        {"user": alice, "ok": False, "error": "already_in_channel"}]
    assert slack_error(lambda: client.conversations_invite(channel=channel, users="U404")) == \
        "user_not_found"
    assert slack_error(lambda: client.conversations_invite(
        channel=channel, users=emu.bot_user_id)) == "cant_invite_self"
    assert slack_error(lambda: client.conversations_invite(channel="C404", users=alice)) == \
        "channel_not_found"
    client.conversations_kick(channel=channel, user=bob)
    assert slack_error(lambda: client.conversations_kick(channel=channel, user=bob)) == \
        "not_in_channel"
    theirs = emu.add_channel("theirs", members=[alice], is_private=True)
    assert slack_error(lambda: client.conversations_invite(channel=theirs, users=bob)) == \
        "not_in_channel"
    client.conversations_archive(channel=channel)
    assert slack_error(lambda: client.conversations_invite(channel=channel, users=bob)) == \
        "is_archived"
    assert slack_error(lambda: client.chat_postMessage(channel=channel, text="x")) == "is_archived"
    assert slack_error(lambda: client.conversations_archive(channel=channel)) == \
        "already_archived"
    client.conversations_unarchive(channel=channel)
    assert slack_error(lambda: client.conversations_unarchive(channel=channel)) == "not_archived"


def test_join_topic_purpose_info_members_list(emu: SlackEmulator, client: WebClient) -> None:
    alice = emu.add_user("alice")
    general = emu.add_channel("general", members=[alice])
    assert slack_error(lambda: client.conversations_setTopic(channel=general, topic="t")) == \
        "not_in_channel"
    assert "warning" not in client.conversations_join(channel=general)
    assert client.conversations_join(channel=general)["warning"] == "already_in_channel"
    client.conversations_setTopic(channel=general, topic="owner <@U1>")
    client.conversations_setPurpose(channel=general, purpose="talk")
    assert slack_error(lambda: client.conversations_setTopic(channel=general, topic="x" * 251)) \
        == "too_long"
    info = client.conversations_info(channel=general)["channel"]
    assert info["topic"]["value"] == "owner <@U1>" and info["purpose"]["value"] == "talk"
    hidden = emu.add_channel("hidden", members=[alice], is_private=True)
    assert slack_error(lambda: client.conversations_info(channel=hidden)) == "channel_not_found"
    assert slack_error(lambda: client.conversations_join(channel=hidden)) == \
        "method_not_supported_for_channel_type"
    for n in range(5):
        emu.add_channel(f"c{n}")
    pages = list(client.conversations_list(limit=2))
    names = [c["name"] for p in pages for c in p["channels"]]
    assert len(pages) == 3 and "hidden" not in names and len(names) == 6
    assert client.conversations_members(channel=general)["members"] == [alice, emu.bot_user_id]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_messages_threads_history_and_permalinks(emu: SlackEmulator, client: WebClient) -> None:
    alice = emu.add_user("alice")
    general = emu.add_channel("general", members=[alice])
    assert slack_error(lambda: client.chat_postMessage(channel=general)) == "no_text"
    assert slack_error(lambda: client.chat_postMessage(channel="C404", text="x")) == \
        "channel_not_found"
    assert slack_error(lambda: client.chat_postMessage(channel=general, text="x" * 40_001)) == \
        "msg_too_long"
    first = client.chat_postMessage(channel=general, text="one")
    second = client.chat_postMessage(channel=general, text="two")
    assert first["message"]["bot_id"] and float(second["ts"]) > float(first["ts"])
    reply = client.chat_postMessage(channel=general, text="in thread", thread_ts=first["ts"])
    assert reply["message"]["thread_ts"] == first["ts"]
    history = client.conversations_history(channel=general)["messages"]
    assert [m["text"] for m in history] == ["two", "one"]  # newest first, no replies
    assert history[1]["reply_count"] == 1 and history[1]["latest_reply"] == reply["ts"]
    assert [m["text"] for m in client.conversations_history(
        channel=general, oldest=first["ts"])["messages"]] == ["two"]
    assert [m["text"] for m in client.conversations_replies(
        channel=general, ts=first["ts"])["messages"]] == ["one", "in thread"]
    assert slack_error(lambda: client.conversations_replies(channel=general, ts="1.2")) == \
        "thread_not_found"
    link = client.chat_getPermalink(channel=general, message_ts=first["ts"])["permalink"]
    assert link == f"https://acme.slack.com/archives/{general}/p{first['ts'].replace('.', '')}"


def test_update_keeps_blocks_unless_given(emu: SlackEmulator, client: WebClient) -> None:
    general = emu.add_channel("general")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    ts = client.chat_postMessage(channel=general, text="hi", blocks=blocks)["ts"]
    client.chat_update(channel=general, ts=ts, text="hi again")
    [message] = emu.messages(general)
    assert message["text"] == "hi again" and message["blocks"] == blocks and message["edited"]
    assert slack_error(lambda: client.chat_update(channel=general, ts="1.0", text="x")) == \
        "message_not_found"
    alice = emu.add_user("alice")
    with emu.workspace.lock:  # a message alice typed (no bot listening here)
        theirs = emu.workspace.append_message(emu.workspace.channel(general),
                                              {"type": "message", "user": alice, "text": "x"})
    assert slack_error(lambda: client.chat_update(channel=general, ts=theirs["ts"],
                                                  text="y")) == "cant_update_message"


def test_invalid_blocks_are_refused_with_slacks_error(emu: SlackEmulator,
                                                      client: WebClient) -> None:
    general = emu.add_channel("general")
    bad = [{"type": "section", "text": {"type": "mrkdwn", "text": ""}},
           {"type": "actions", "elements": [{"type": "button", "action_id": "a",
                                             "text": {"type": "mrkdwn", "text": "Go"}}]}]
    with pytest.raises(Exception) as raised:
        client.chat_postMessage(channel=general, text="x", blocks=bad)
    answer = raised.value.response
    assert answer["error"] == "invalid_blocks"
    assert any("/blocks/0/text/text" in e for e in answer["errors"])
    assert any("/blocks/1/elements/0/text/type" in e for e in answer["errors"])
    assert emu.messages(general) == []


def test_dms_and_ephemerals(emu: SlackEmulator, client: WebClient) -> None:
    alice, bob = emu.add_user("alice"), emu.add_user("bob")
    general = emu.add_channel("general", members=[alice])
    dm = client.conversations_open(users=alice)["channel"]["id"]
    assert dm.startswith("D") and client.conversations_open(users=alice)["already_open"]
    client.chat_postMessage(channel=dm, text="psst")
    client.chat_postMessage(channel=alice, text="by user id")  # a user id means the DM
    assert [m["text"] for m in emu.dm_messages(alice)] == ["psst", "by user id"]
    client.chat_postEphemeral(channel=general, user=alice, text="only you")
    assert [e["text"] for e in emu.ephemerals(alice, general)] == ["only you"]
    assert slack_error(lambda: client.chat_postEphemeral(channel=general, user=bob,
                                                         text="x")) == "user_not_in_channel"


def test_reactions(emu: SlackEmulator, client: WebClient) -> None:
    general = emu.add_channel("general")
    ts = client.chat_postMessage(channel=general, text="hello")["ts"]
    client.reactions_add(channel=general, timestamp=ts, name="eyes")
    assert slack_error(lambda: client.reactions_add(channel=general, timestamp=ts,
                                                    name="eyes")) == "already_reacted"
    assert slack_error(lambda: client.reactions_add(channel=general, timestamp=ts,
                                                    name=":eyes:")) == "invalid_name"
    got = client.reactions_get(channel=general, timestamp=ts)["message"]["reactions"]
    assert got == [{"name": "eyes", "users": [emu.bot_user_id], "count": 1}]
    client.reactions_remove(channel=general, timestamp=ts, name="eyes")
    assert slack_error(lambda: client.reactions_remove(channel=general, timestamp=ts,
                                                       name="eyes")) == "no_reaction"
    assert "reactions" not in emu.messages(general)[0]


def test_users(emu: SlackEmulator, client: WebClient) -> None:
    alice = emu.add_user("alice", real_name="Alice Smith", email="Alice@Example.com",
                         tz="Europe/Berlin", presence="away")
    user = client.users_info(user=alice)["user"]
    assert user["real_name"] == "Alice Smith" and user["tz"] == "Europe/Berlin"
    assert user["tz_offset"] in (3600, 7200) and user["profile"]["email"] == "Alice@Example.com"
    assert client.users_lookupByEmail(email="alice@example.com")["user"]["id"] == alice
    assert slack_error(lambda: client.users_lookupByEmail(email="nobody@x.io")) == \
        "users_not_found"
    assert slack_error(lambda: client.users_info(user="U404")) == "user_not_found"
    assert client.users_getPresence(user=alice)["presence"] == "away"
    assert client.users_profile_get(user=alice)["profile"]["real_name"] == "Alice Smith"
    assert {u["id"] for u in client.users_list()["members"]} == {alice, emu.bot_user_id}
    group = emu.add_usergroup("oncall", [alice])
    assert client.usergroups_users_list(usergroup=group)["users"] == [alice]
    assert client.team_info()["team"]["domain"] == "acme"


MODAL = {"type": "modal", "callback_id": "m", "title": {"type": "plain_text", "text": "M"},
         "submit": {"type": "plain_text", "text": "Go"},
         "blocks": [{"type": "input", "block_id": "b", "label": {"type": "plain_text", "text": "L"},
                     "element": {"type": "plain_text_input", "action_id": "a"}}]}


def test_trigger_ids_are_checked(emu: SlackEmulator, client: WebClient) -> None:
    alice = emu.add_user("alice")
    assert slack_error(lambda: client.views_open(trigger_id="nope", view=MODAL)) == \
        "invalid_trigger_id"
    trigger = emu._new_trigger(alice)
    assert client.views_open(trigger_id=trigger, view=MODAL)["view"]["callback_id"] == "m"
    assert slack_error(lambda: client.views_open(trigger_id=trigger, view=MODAL)) == \
        "exchanged_trigger_id"
    emu.trigger_lifetime = 0.05
    stale = emu._new_trigger(alice)
    time.sleep(0.1)
    assert slack_error(lambda: client.views_open(trigger_id=stale, view=MODAL)) == \
        "expired_trigger_id"


def test_views_stack_update_hash_and_home(emu: SlackEmulator, client: WebClient) -> None:
    alice = emu.add_user("alice")
    root = client.views_open(trigger_id=emu._new_trigger(alice), view=MODAL)["view"]
    client.views_push(trigger_id=emu._new_trigger(alice), view=MODAL)
    client.views_push(trigger_id=emu._new_trigger(alice), view=MODAL)
    assert slack_error(lambda: client.views_push(trigger_id=emu._new_trigger(alice),
                                                 view=MODAL)) == "push_limit_reached"
    assert len(emu.open_views(alice)) == 3
    updated = client.views_update(view_id=root["id"], hash=root["hash"],
                                  view={**MODAL, "private_metadata": "42"})["view"]
    assert updated["id"] == root["id"] and updated["private_metadata"] == "42"
    assert slack_error(lambda: client.views_update(view_id=root["id"], hash=root["hash"],
                                                   view=MODAL)) == "hash_conflict"
    assert slack_error(lambda: client.views_update(view_id="V404", view=MODAL)) == "not_found"
    no_submit = {k: v for k, v in MODAL.items() if k != "submit"}
    assert slack_error(lambda: client.views_open(trigger_id=emu._new_trigger(alice),
                                                 view=no_submit)) == "invalid_arguments"
    home = {"type": "home", "blocks": [{"type": "section",
                                        "text": {"type": "mrkdwn", "text": "Your cases"}}]}
    client.views_publish(user_id=alice, view=home)
    assert emu.home_view(alice)["blocks"] == home["blocks"]


def test_bookmarks_are_added_and_listed_as_slack_documents(emu: SlackEmulator,
                                                            client: WebClient) -> None:
    channel = client.conversations_create(name="case-room")["channel"]["id"]
    added = client.bookmarks_add(channel_id=channel, title="Dashboard", type="link",
                                 link="https://swarmbot.example.com/dashboard", emoji=":bar_chart:")
    bookmark = added["bookmark"]
    assert bookmark["channel_id"] == channel and bookmark["type"] == "link"
    assert bookmark["title"] == "Dashboard" and bookmark["id"].startswith("Bk")
    listed = client.bookmarks_list(channel_id=channel)["bookmarks"]
    assert [(b["title"], b["link"]) for b in listed] == [
        ("Dashboard", "https://swarmbot.example.com/dashboard")]
    assert slack_error(lambda: client.bookmarks_add(channel_id="C404", title="x", type="link",
                                                    link="https://x.example")) == \
        "channel_not_found"
    assert slack_error(lambda: client.bookmarks_add(channel_id=channel, title="", type="link",
                                                    link="https://x.example")) == \
        "invalid_arguments"
    assert slack_error(lambda: client.bookmarks_add(channel_id=channel, title="x",
                                                    type="file", link="https://x.example")) == \
        "invalid_arguments"
    client.conversations_archive(channel=channel)
    assert slack_error(lambda: client.bookmarks_add(channel_id=channel, title="x", type="link",
                                                    link="https://x.example")) == "is_archived"
    assert len(emu.channel(channel)["bookmarks"]) == 1

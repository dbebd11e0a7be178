"""Opening and naming cases from where the problem already is: a case named from any
channel (`#12`, `12`, a channel mention), reopened after its channel was archived; the
message shortcut; reaction intake; `--here`; pinning messages to the timeline."""

from __future__ import annotations

import pytest

from bot.sandbox.emulator import SlackEmulator
from bot.services.timers import fire_due_timers
from tests.e2e.conftest import Clock, RunningBot, Workspace
from tests.e2e.test_swarming_flow import _case_channel, _channels, _snapshot

pytestmark = pytest.mark.e2e


def _last_answer(emulator: SlackEmulator, user: str) -> str:
    return str(emulator.ephemerals(user)[-1]["text"])


def test_a_case_is_named_from_any_channel(emulator: SlackEmulator, bot: RunningBot,
                                          parcelly: Workspace) -> None:
    maya = parcelly["maya"]
    emulator.slash_command(maya, "/swarm", "new Orders stuck sev2 service:orders",
                           channel=parcelly.general)
    channel = _case_channel(emulator)
    emulator.slash_command(maya, "/swarm", "status #1 Consumer restarted",
                           channel=parcelly.general)
    emulator.wait_for(lambda: any("Consumer restarted" in (m.get("text") or "")
                                  for m in emulator.messages(channel["id"])))
    emulator.slash_command(maya, "/swarm", f"status #{channel['name']} Lag draining",
                           channel=parcelly.general)  # a channel mention, as Slack escapes it
    emulator.wait_for(lambda: any("Lag draining" in (m.get("text") or "")
                                  for m in emulator.messages(channel["id"])))
    emulator.slash_command(maya, "/swarm", "severity 1 sev1", channel=parcelly.general)
    emulator.wait_for(lambda: "sev1" in (_snapshot(emulator, channel["id"])["topic"] or ""))


def test_an_unknown_case_reference_is_answered_and_changes_nothing(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    maya = parcelly["maya"]
    emulator.slash_command(maya, "/swarm", "new Orders stuck sev2 service:orders",
                           channel=parcelly.general)
    channel = _case_channel(emulator)
    emulator.slash_command(maya, "/swarm", "resolve #42 Fixed it", channel=parcelly.general)
    assert "There is no case #0042" in _last_answer(emulator, maya)
    emulator.slash_command(maya, "/swarm", "resolve Fixed it", channel=parcelly.general)
    assert "name the case first" in _last_answer(emulator, maya)
    bot.settle()
    assert not any("Case #0001 resolved" in (m.get("text") or "")
               for m in emulator.messages(channel["id"]))


def test_reopening_after_the_archive_opens_a_new_channel(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    maya = parcelly["maya"]
    emulator.slash_command(maya, "/swarm", "new Disk almost full sev2 service:db",
                           channel=parcelly.general)
    old = _case_channel(emulator)
    emulator.slash_command(maya, "/swarm", "resolve Rotated the WAL", channel=old["id"])
    clock.advance(minutes=61)
    fire_due_timers(bot.container.services)
    bot.container.dispatcher.kick()
    emulator.wait_for(lambda: _snapshot(emulator, old["id"])["is_archived"], timeout=20)

    emulator.slash_command(maya, "/swarm", "reopen 1", channel=parcelly.general)
    answer = _last_answer(emulator, maya)
    assert "Case #0001 is open again" in answer and "new channel" in answer
    emulator.wait_for(lambda: any(c["name"].startswith("swarm-0001") and not c["is_archived"]
                                  and c["id"] != old["id"] for c in _channels(emulator)),
                      timeout=20)
    new = next(c for c in _channels(emulator)
               if c["name"].startswith("swarm-0001") and c["id"] != old["id"])
    emulator.wait_for(lambda: maya in _snapshot(emulator, new["id"])["members"], timeout=20)
    emulator.wait_for(lambda: any("reopened" in (m.get("text") or "")
                                  for m in emulator.messages(new["id"])), timeout=20)
    emulator.slash_command(maya, "/swarm", "status Watching the disk", channel=new["id"])
    emulator.wait_for(lambda: any("Watching the disk" in (m.get("text") or "")
                                  for m in emulator.messages(new["id"])))


def _invite_the_bot(emulator: SlackEmulator, channel: str) -> None:
    with emulator.workspace.lock:
        emulator.workspace.channel(channel).members.append(emulator.bot_user_id)


def test_the_shortcut_in_a_channel_the_bot_is_not_in_is_refused(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    rita, maya = parcelly["reporter"], parcelly["maya"]
    emulator.send_message(rita, parcelly.general, "Checkout is slow")
    asked = emulator.messages(parcelly.general)[-1]
    emulator.message_shortcut(maya, parcelly.general, asked["ts"], "open_swarm_case")
    emulator.wait_for(lambda: "swarmbot is not in this channel" in _last_answer(emulator, maya))
    assert not emulator.open_views(maya)
    assert not any(c["name"].startswith("swarm-") for c in _channels(emulator))


def test_the_message_shortcut_opens_a_case_and_answers_in_the_thread(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    rita, maya = parcelly["reporter"], parcelly["maya"]
    _invite_the_bot(emulator, parcelly.general)
    emulator.send_message(rita, parcelly.general,
                          "Refunds fail with a 500 sev2 service:payments\nsince 9:00, all cards")
    asked = emulator.messages(parcelly.general)[-1]
    emulator.message_shortcut(maya, parcelly.general, asked["ts"], "open_swarm_case")
    [view] = emulator.open_views(maya)
    assert view["blocks"][0]["element"]["initial_value"] == "Refunds fail with a 500"
    assert view["blocks"][1]["element"]["initial_option"]["value"] == "sev2"
    assert view["blocks"][2]["element"]["initial_value"] == "payments"
    accepted = emulator.submit_view(maya, view["id"])
    assert accepted.status == 200 and not emulator.open_views(maya)
    channel = _case_channel(emulator)
    emulator.wait_for(lambda: any(
        "Opened from a message" in (m.get("text") or "") and "all cards" in (m.get("text") or "")
        and "archives" in (m.get("text") or "") for m in emulator.messages(channel["id"])))

    def thread() -> list[dict]:
        return [m for m in emulator.messages(parcelly.general)
                if m.get("thread_ts") == asked["ts"] and m["ts"] != asked["ts"]]
    emulator.wait_for(lambda: any(channel["id"] in (m.get("text") or "") for m in thread()),
                      timeout=20)
    emulator.slash_command(maya, "/swarm", "resolve Retried the refunds queue",
                           channel=channel["id"])
    emulator.wait_for(lambda: any("Retried the refunds queue" in (m.get("text") or "")
                                  for m in thread()), timeout=20)
    # the message's author is the requester (asked to confirm), the shortcut's user the owner
    with bot.container.uow().reading() as uow:
        case = uow.cases.get(1)
        assert case is not None and case.requester_id == rita and case.owner_id == maya


def test_the_shortcut_refuses_a_bot_message_and_a_message_already_a_case(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    rita, maya, tom = parcelly["reporter"], parcelly["maya"], parcelly["tom"]
    _invite_the_bot(emulator, parcelly.general)
    emulator.send_message(rita, parcelly.general, "Checkout is slow")
    asked = emulator.messages(parcelly.general)[-1]
    emulator.message_shortcut(maya, parcelly.general, asked["ts"], "open_swarm_case")
    [view] = emulator.open_views(maya)
    emulator.submit_view(maya, view["id"])
    channel = _case_channel(emulator)
    emulator.message_shortcut(tom, parcelly.general, asked["ts"], "open_swarm_case")
    emulator.wait_for(lambda: "already case #0001" in _last_answer(emulator, tom))
    assert not emulator.open_views(tom)
    bot.settle()
    reply = next(m for m in emulator.messages(parcelly.general)
                 if m.get("thread_ts") == asked["ts"] and m["ts"] != asked["ts"])
    emulator.message_shortcut(tom, parcelly.general, reply["ts"], "open_swarm_case")
    emulator.wait_for(lambda: "posted by an app or a bot" in _last_answer(emulator, tom))
    assert not emulator.open_views(tom)
    assert [c["name"] for c in _channels(emulator) if c["name"].startswith("swarm-")] == \
        [channel["name"]]

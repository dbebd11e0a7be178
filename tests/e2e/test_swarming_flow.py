"""The product's main path through real signed HTTP against the Slack emulator: declare,
dedicated channel, recommended experts invited by DM, accept/decline by reaction, status,
resolve, archive."""

from __future__ import annotations

import re

import pytest

from bot.sandbox.emulator import SlackEmulator
from bot.services.timers import fire_due_timers
from tests.e2e.conftest import Clock, RunningBot, Workspace, over_both_transports

pytestmark = pytest.mark.e2e


def _case_channel(emulator: SlackEmulator, prefix: str = "swarm-0001") -> dict:
    """The case channel, once the bot has set it up (its topic set)."""
    emulator.wait_for(lambda: any(c["name"].startswith(prefix) and c["topic"]
                                  for c in _channels(emulator)), timeout=10)
    return next(c for c in _channels(emulator) if c["name"].startswith(prefix))


def _channels(emulator: SlackEmulator) -> list[dict]:
    return [c if isinstance(c, dict) else vars(c) for c in emulator.channels()]


def _snapshot(emulator: SlackEmulator, channel: str) -> dict:
    snapshot = emulator.channel(channel)
    return snapshot if isinstance(snapshot, dict) else vars(snapshot)


def _invites_to(emulator: SlackEmulator, workspace: Workspace) -> dict[str, dict]:
    """handle → the swarm invite DM that person got."""
    found = {}
    for handle, user in workspace.users.items():
        for message in emulator.dm_messages(user):
            if "Swarm invite" in (message.get("text") or ""):
                found[handle] = message
    return found


def _declare(emulator: SlackEmulator, workspace: Workspace, text: str, who: str = "maya"):
    return emulator.slash_command(workspace[who], "/swarm", f"new {text}",
                                  channel=workspace.general)


@over_both_transports
def test_declaring_opens_a_channel_with_the_owner_and_invites_experts(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    result = _declare(emulator, parcelly, "Checkout latency over 3s sev1 service:checkout #latency")
    assert result.status == 200 and not result.timed_out and result.elapsed < 3
    assert "Case #0001 declared" in emulator.ephemerals(parcelly["maya"])[-1]["text"]

    channel = _case_channel(emulator)
    assert channel["name"] == "swarm-0001-checkout-latency-over-3s"
    emulator.wait_for(lambda: parcelly["maya"] in _snapshot(emulator, channel["id"])["members"])
    emulator.wait_for(lambda: "sev1" in (_snapshot(emulator, channel["id"])["topic"] or ""))
    assert "owner @maya ·" in _snapshot(emulator, channel["id"])["topic"]  # plain text
    emulator.wait_for(lambda: any(f"<#{channel['id']}>" in (e.get("text") or "")
                                  for e in emulator.ephemerals(parcelly["maya"])))

    emulator.wait_for(lambda: len(_invites_to(emulator, parcelly)) == 3, timeout=10)
    invites = _invites_to(emulator, parcelly)
    assert "maya" not in invites  # the owner is never invited
    assert {"tom", "olivia", "priya"} & set(invites), f"checkout people not invited: {invites}"
    for message in invites.values():
        assert "Why you" in str(message["blocks"])
    emulator.wait_for(lambda: any("Recommended experts" in (m.get("text") or "")
                                  for m in emulator.messages(channel["id"])))
    # Each invite then carries the accept and decline reactions, for a one-tap answer.
    emulator.wait_for(lambda: all(
        {r["name"] for r in m.get("reactions", [])} == {"white_check_mark", "x"}
        for m in _invites_to(emulator, parcelly).values()), timeout=10)


@over_both_transports
def test_reacting_to_an_invite_adds_the_expert_and_declining_asks_the_next(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    _declare(emulator, parcelly, "Card payments declined sev1 service:payments")
    channel = _case_channel(emulator)
    emulator.wait_for(lambda: len(_invites_to(emulator, parcelly)) == 3, timeout=10)
    invites = _invites_to(emulator, parcelly)
    (accepter, accepted), (decliner, declined) = list(invites.items())[:2]

    emulator.react(parcelly[accepter], accepted["channel"], accepted["ts"], "white_check_mark")
    emulator.wait_for(lambda: parcelly[accepter] in _snapshot(emulator, channel["id"])["members"])
    emulator.wait_for(lambda: any("joined the swarm" in (m.get("text") or "")
                                  for m in emulator.messages(channel["id"])))

    emulator.react(parcelly[decliner], declined["channel"], declined["ts"], "x")
    emulator.wait_for(lambda: len(_invites_to(emulator, parcelly)) == 4, timeout=10)
    assert parcelly[decliner] not in _snapshot(emulator, channel["id"])["members"]
    emulator.wait_for(lambda: "declined" in str(_dm(emulator, parcelly[decliner])["blocks"]))


def _dm(emulator: SlackEmulator, user: str) -> dict:
    return [m for m in emulator.dm_messages(user) if "Swarm invite" in (m.get("text") or "")][-1]


def test_someone_else_reacting_to_an_invite_changes_nothing(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    _declare(emulator, parcelly, "Search results empty sev2 service:search")
    channel = _case_channel(emulator)
    emulator.wait_for(lambda: len(_invites_to(emulator, parcelly)) == 3, timeout=10)
    handle, invite = next(iter(_invites_to(emulator, parcelly).items()))
    intruder = parcelly["reporter"]
    emulator.react(intruder, invite["channel"], invite["ts"], "white_check_mark")
    emulator.react(parcelly[handle], invite["channel"], invite["ts"], "white_check_mark")
    emulator.wait_for(lambda: parcelly[handle] in _snapshot(emulator, channel["id"])["members"])
    assert intruder not in _snapshot(emulator, channel["id"])["members"]


def test_status_updates_reach_the_case_and_the_stakeholders(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    _declare(emulator, parcelly, "Orders stuck sev2 service:orders")
    channel = _case_channel(emulator)
    emulator.slash_command(parcelly["maya"], "/swarm", "status Rolled back the consumer",
                           channel=channel["id"])
    for where in (channel["id"], parcelly.incidents):
        emulator.wait_for(lambda where=where: any(
            "Rolled back the consumer" in (m.get("text") or "") for m in emulator.messages(where)))


def test_resolving_posts_a_summary_and_archives_after_the_grace_period(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    _declare(emulator, parcelly, "Disk almost full sev2 service:db")
    channel = _case_channel(emulator)
    emulator.wait_for(lambda: parcelly["maya"] in _snapshot(emulator, channel["id"])["members"])
    clock.advance(minutes=37)
    emulator.slash_command(parcelly["maya"], "/swarm", "resolve Rotated the WAL archive",
                           channel=channel["id"])
    emulator.wait_for(lambda: any("Case #0001 resolved" in (m.get("text") or "")
                                  and "37 min" in (m.get("text") or "")
                                  for m in emulator.messages(channel["id"])))
    assert not _snapshot(emulator, channel["id"])["is_archived"]
    clock.advance(minutes=61)
    fire_due_timers(bot.container.services)
    bot.container.dispatcher.kick()
    emulator.wait_for(lambda: _snapshot(emulator, channel["id"])["is_archived"], timeout=10)


@over_both_transports
def test_bad_input_gets_a_clear_ephemeral_answer_and_changes_nothing(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    maya, tom = parcelly["maya"], parcelly["tom"]
    cases = [
        (maya, "frobnicate", parcelly.general, "not a swarmbot command"),
        (maya, "new sev1", parcelly.general, "needs a title"),
        (maya, "new Broken thing sev9", parcelly.general, "is not a severity"),
        (maya, "status all good", parcelly.general, "case channel"),
    ]
    for user, text, channel, expected in cases:
        emulator.slash_command(user, "/swarm", text, channel=channel)
        assert expected in emulator.ephemerals(user)[-1]["text"]
    _declare(emulator, parcelly, "Login loop sev2 service:mobile")
    case_channel = _case_channel(emulator)["id"]
    emulator.slash_command(tom, "/swarm", "resolve done", channel=case_channel)
    assert "Only the case owner" in emulator.ephemerals(tom)[-1]["text"]
    emulator.slash_command(maya, "/swarm", "severity sev9", channel=case_channel)
    assert "is not a severity" in emulator.ephemerals(maya)[-1]["text"]
    assert "sev2" in _snapshot(emulator, case_channel)["topic"]
    assert not any("Case #0001 resolved" in (m.get("text") or "")
                   for m in emulator.messages(case_channel))
    assert not any(c["name"].startswith("swarm-0002") for c in _channels(emulator))


def test_a_taken_channel_name_gets_a_suffix(emulator: SlackEmulator, bot: RunningBot,
                                            parcelly: Workspace) -> None:
    emulator.add_channel("swarm-0001-payments-down")
    _declare(emulator, parcelly, "Payments down sev3")
    emulator.wait_for(lambda: any(c["name"] == "swarm-0001-payments-down-2"
                                  for c in _channels(emulator)), timeout=10)


def test_a_webhook_case_gets_a_channel_and_the_first_claimer_owns_it(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    import requests

    body = {"title": "Disk full on db-3", "external_id": "PD-1", "source": "pagerduty",
            "severity": "sev3", "service": "db"}
    url = f"{bot.url}/hooks/cases"
    assert requests.post(url, json=body, timeout=5).status_code == 401
    auth = {"Authorization": "Bearer e2e-hooks-token"}
    assert requests.post(url, json=body, headers=auth, timeout=5).status_code == 201
    assert requests.post(url, json=body, headers=auth, timeout=5).status_code == 200  # repeat
    channel = _case_channel(emulator)
    emulator.wait_for(lambda: any("Claim this case" in str(m.get("blocks"))
                                  for m in emulator.messages(channel["id"])))
    assert len([c for c in _channels(emulator) if c["name"].startswith("swarm-")]) == 1
    summary = next(m for m in emulator.messages(channel["id"])
                   if "Claim this case" in str(m.get("blocks")))
    emulator.click(parcelly["ines"], channel["id"], summary["ts"], "case.claim")
    emulator.wait_for(lambda: parcelly["ines"] in _snapshot(emulator, channel["id"])["members"])
    emulator.wait_for(lambda: re.search(r"owner @ines ·",
                                        _snapshot(emulator, channel["id"])["topic"] or ""))
    emulator.slash_command(parcelly["sam"], "/swarm", "claim", channel=channel["id"])
    assert "already owned" in emulator.ephemerals(parcelly["sam"])[-1]["text"]


def test_the_case_summary_shows_who_joined_the_swarm(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    _declare(emulator, parcelly, "Card payments declined sev1 service:payments")
    channel = _case_channel(emulator)
    emulator.wait_for(lambda: len(_invites_to(emulator, parcelly)) == 3, timeout=10)
    accepter, accepted = next(iter(_invites_to(emulator, parcelly).items()))

    def in_the_swarm() -> str:
        summary = next((m for m in emulator.messages(channel["id"])
                        if "In the swarm" in str(m.get("blocks"))), None)
        return str(summary.get("blocks")) if summary else ""

    emulator.wait_for(lambda: parcelly["maya"] in in_the_swarm(), timeout=10)
    assert parcelly[accepter] not in in_the_swarm()
    emulator.react(parcelly[accepter], accepted["channel"], accepted["ts"], "white_check_mark")
    emulator.wait_for(lambda: parcelly[accepter] in in_the_swarm(), timeout=15)


@over_both_transports
def test_the_requester_confirms_once_and_the_buttons_go(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    import requests

    body = {"title": "Invoice export fails", "external_id": "ZD-7", "source": "zendesk",
            "severity": "sev3", "requester": parcelly["sam"]}
    assert requests.post(f"{bot.url}/hooks/cases", json=body, timeout=5,
                         headers={"Authorization": "Bearer e2e-hooks-token"}).status_code == 201
    channel = _case_channel(emulator)["id"]
    emulator.slash_command(parcelly["ines"], "/swarm", "claim", channel=channel)
    emulator.wait_for(lambda: parcelly["ines"] in _snapshot(emulator, channel)["members"])
    emulator.slash_command(parcelly["ines"], "/swarm", "resolve Re-ran the export job",
                           channel=channel)

    def resolution() -> dict | None:
        return next((m for m in emulator.messages(channel)
                     if "Case #0001 resolved" in (m.get("text") or "")), None)

    emulator.wait_for(lambda: resolution() is not None, timeout=10)
    message = resolution()
    assert f"<@{parcelly['sam']}>, is it resolved for you?" in str(message["blocks"])
    emulator.click(parcelly["ines"], channel, message["ts"], "case.confirm_resolution")
    emulator.wait_for(lambda: any("Only the requester" in (e.get("text") or "")
                                  for e in emulator.ephemerals(parcelly["ines"])))
    emulator.click(parcelly["sam"], channel, message["ts"], "case.confirm_resolution")
    emulator.wait_for(lambda: "case.confirm_resolution" not in str(resolution()["blocks"]),
                      timeout=15)
    assert "confirmed it is resolved" in str(resolution()["blocks"])
    with bot.container.uow() as uow:
        from sqlalchemy import func, select

        from models import TimelineEvent
        assert uow.session.scalar(select(func.count()).select_from(TimelineEvent).where(
            TimelineEvent.kind == "resolution_confirmed")) == 1


def test_a_japanese_title_keeps_its_words_in_the_channel_name_purpose_and_topic(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    """Before: `#swarm-0001` (the title dropped), no title in the topic, no purpose."""
    _declare(emulator, parcelly, "決済が失敗する sev1 service:payments")
    channel = _case_channel(emulator)
    assert channel["name"] == "swarm-0001-決済が失敗する"
    emulator.wait_for(lambda: _snapshot(emulator, channel["id"])["purpose"] == "決済が失敗する")
    assert _snapshot(emulator, channel["id"])["topic"].startswith("決済が失敗する · #0001 · sev1")


def test_a_workspace_refusing_japanese_names_gets_romaji(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    emulator.workspace.ascii_channel_names = True
    _declare(emulator, parcelly, "決済が失敗する sev1 service:payments")
    # the first romanisation loads pykakasi's dictionaries: seconds on a busy machine
    emulator.wait_for(lambda: any(c["name"] == "swarm-0001-kessai-ga-shippai-suru"
                                  and c["topic"] for c in _channels(emulator)), timeout=120)
    channel = _case_channel(emulator)
    assert [c["name"] for c in _channels(emulator) if c["name"].startswith("swarm-")] == [
        "swarm-0001-kessai-ga-shippai-suru"]
    assert _snapshot(emulator, channel["id"])["topic"].startswith("決済が失敗する · ")


def test_a_post_queued_before_an_upgrade_with_its_text_is_still_delivered(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    """Rows recorded before posts carried a note kind and data hold their words (`text`, the
    case channel's link as a marker): they are posted as they are, link filled in."""
    _declare(emulator, parcelly, "Checkout latency over 3s sev1 service:checkout")
    channel = _case_channel(emulator)["id"]
    bot.settle()
    with bot.container.uow() as uow:
        case = uow.cases.by_channel(channel)
        assert case is not None
        uow.outbox.enqueue("post:old-1", "post", {
            "text": ":memo: an old post, see <#case-channel>", "blocks": None, "channel": None},
            case_id=case.id, not_before=clock())
        uow.outbox.enqueue("post:old-2", "post", {
            "text": "an old direct message", "blocks": None, "channel": parcelly["tom"]},
            not_before=clock())
        uow.commit()
    bot.settle()
    assert any(m.get("text") == f":memo: an old post, see <#{channel}>"
               for m in emulator.messages(channel))
    assert any(m.get("text") == "an old direct message"
               for m in emulator.dm_messages(parcelly["tom"]))

"""Who may act, over real signed HTTP against the Slack emulator: an outsider's escalation,
a self-approval, a bot or an unknown id as the owner, plain `@names`, `followup done <word>`,
leaving a swarm, and an admin's hand-over."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.sandbox.emulator import SlackEmulator
from models import Case
from models.case import Approval, FollowUp
from tests.e2e.conftest import RunningBot, Workspace
from tests.e2e.test_swarming_flow import _case_channel, _snapshot

pytestmark = pytest.mark.e2e
ADMIN = "U00000003"  # maya, as Parcelly is added to the emulator (`test_the_admin_is_maya`)


@pytest.fixture
def extra_settings() -> dict[str, object]:
    return {"admins": ADMIN}


def _answer(emulator: SlackEmulator, user: str) -> str:
    return emulator.ephemerals(user)[-1]["text"]


def _texts(emulator: SlackEmulator, channel: str) -> list[str]:
    return [m.get("text") or "" for m in emulator.messages(channel)]


def _said(emulator: SlackEmulator, channel: str, *parts: str) -> None:
    emulator.wait_for(lambda: any(all(p in t for p in parts) for t in _texts(emulator, channel)),
                      timeout=10)


def _case(bot: RunningBot) -> Case:
    with bot.container.uow() as uow:
        case = uow.session.scalars(select(Case)).one()
        uow.session.expunge(case)
        return case


def _ticket(emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, owner: str) -> str:
    emulator.slash_command(owner, "/swarm", "new Customer cannot download invoices sev4 "
                           "service:orders", channel=parcelly.general)
    channel = _case_channel(emulator)["id"]
    _said(emulator, channel, "Placed at L1")
    bot.settle()
    return channel


def test_the_admin_is_maya(parcelly: Workspace) -> None:
    assert parcelly["maya"] == ADMIN


def test_an_outsider_cannot_escalate_and_nobody_at_l4_hears_of_it(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    olivia, outsider, noah = parcelly["olivia"], parcelly["reporter"], parcelly["noah"]
    channel = _ticket(emulator, bot, parcelly, olivia)
    emulator.slash_command(outsider, "/swarm", "escalate L4 just because", channel=channel)
    assert _answer(emulator, outsider) == (":warning: Only people working on this case or a "
                                           "swarmbot admin can escalate it.")
    bot.settle()
    assert _case(bot).level == "L1"
    assert not any("Escalated" in t for t in _texts(emulator, channel))
    assert not any("is at L4" in (m.get("text") or "") for m in emulator.dm_messages(noah))
    assert noah not in _snapshot(emulator, channel)["members"]

    emulator.slash_command(olivia, "/swarm", "escalate L4 key account", channel=channel)
    _said(emulator, channel, "Escalated L1 → L4")  # the owner may: the refusal was the rule
    emulator.wait_for(lambda: any("is at L4" in (m.get("text") or "")
                                  for m in emulator.dm_messages(noah)), timeout=10)


def test_whoever_asked_for_an_approval_cannot_approve_it(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    lars, noah = parcelly["lars"], parcelly["noah"]  # L3 (customer_credit is L3's) and L4
    channel = _ticket(emulator, bot, parcelly, lars)
    emulator.slash_command(lars, "/swarm", "approve customer_credit 3 months of fees",
                           channel=channel)
    assert "requested from L3" in _answer(emulator, lars)
    _said(emulator, channel, "Approval needed on #0001")
    bot.settle()
    request = next(m for m in emulator.messages(channel)
                   if "Approval needed" in (m.get("text") or ""))
    emulator.click(lars, channel, request["ts"], "approval.approve")
    emulator.wait_for(lambda: "You asked for this approval, so someone else decides it." in
                      _answer(emulator, lars), timeout=10)
    with bot.container.uow() as uow:
        assert uow.session.scalars(select(Approval.state)).one() == "pending"
    assert not any("approved by" in t for t in _texts(emulator, channel))
    emulator.click(noah, channel, request["ts"], "approval.approve")
    _said(emulator, channel, "`customer_credit` approved by", f"<@{noah}> (L4)")


def test_the_owner_must_be_a_person_of_the_workspace(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    olivia = parcelly["olivia"]
    other_bot = emulator.add_user("deploybot", is_bot=True)
    gone = emulator.add_user("former", deleted=True)
    channel = _ticket(emulator, bot, parcelly, olivia)
    for user, words in ((emulator.bot_user_id, "is a bot"), (other_bot, "is a bot"),
                        ("U0NOSUCH9", "There is no user `U0NOSUCH9` in this workspace"),
                        (gone, "is deactivated")):
        for command in (f"owner <@{user}>", f"invite <@{user}>",
                        f"followup Check the export <@{user}>"):
            emulator.slash_command(olivia, "/swarm", command, channel=channel)
            assert words in _answer(emulator, olivia), command
    bot.settle()
    case = _case(bot)
    assert case.owner_id == olivia
    assert not any("handed" in t or "added" in t for t in _texts(emulator, channel))
    with bot.container.uow() as uow:
        assert uow.session.scalars(select(FollowUp)).all() == []
        people = {p.user_id for p in uow.cases.get(case.id).participants}  # type: ignore[union-attr]
    assert people.isdisjoint({emulator.bot_user_id, other_bot, "U0NOSUCH9", gone})


def test_a_plain_at_name_and_a_followup_without_a_number_are_refused_clearly(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    olivia = parcelly["olivia"]
    channel = _ticket(emulator, bot, parcelly, olivia)
    # A typed @name of a member reaches the bot as a mention (the command escapes users, as
    # Slack does); a name Slack could not match stays plain text.
    for command in ("followup Check the export @anna", "owner @anna", "invite @anna"):
        emulator.slash_command(olivia, "/swarm", command, channel=channel)
        assert "`@anna` is plain text, not a Slack mention" in _answer(emulator, olivia), command
    emulator.slash_command(olivia, "/swarm", "followup done abc", channel=channel)
    assert "No follow-up “abc” — give its number" in _answer(emulator, olivia)
    with bot.container.uow() as uow:
        assert uow.session.scalars(select(FollowUp)).all() == []
    assert _case(bot).owner_id == olivia


def test_an_expert_leaves_the_swarm_and_its_channel_but_the_owner_cannot(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    olivia, priya = parcelly["olivia"], parcelly["priya"]
    channel = _ticket(emulator, bot, parcelly, olivia)
    emulator.slash_command(olivia, "/swarm", f"invite <@{priya}>", channel=channel)
    emulator.wait_for(lambda: priya in _snapshot(emulator, channel)["members"], timeout=10)
    emulator.slash_command(priya, "/swarm", "leave", channel=channel)
    assert _answer(emulator, priya) == "You left the swarm of case #0001."
    _said(emulator, channel, f"<@{priya}> left the swarm.")
    emulator.wait_for(lambda: priya not in _snapshot(emulator, channel)["members"], timeout=10)
    emulator.slash_command(priya, "/swarm", "status still here", channel=channel)
    assert "Only people working on this case" in _answer(emulator, priya)
    emulator.slash_command(olivia, "/swarm", "leave", channel=channel)
    assert "hand it over first with `/swarm owner @user`" in _answer(emulator, olivia)
    assert olivia in _snapshot(emulator, channel)["members"]
    emulator.slash_command(olivia, "/swarm", "help", channel=channel)
    assert "/swarm leave" in str(emulator.ephemerals(olivia)[-1]["blocks"])


def test_an_admins_hand_over_is_announced_as_the_admins(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    olivia, tom, maya = parcelly["olivia"], parcelly["tom"], parcelly["maya"]
    channel = _ticket(emulator, bot, parcelly, olivia)
    emulator.slash_command(maya, "/swarm", f"owner <@{tom}>", channel=channel)
    assert _answer(emulator, maya) == f"<@{tom}> owns case #0001 now."
    _said(emulator, channel, f":handshake: <@{maya}> (admin) handed case #0001 from "
                             f"<@{olivia}> to <@{tom}>, who owns it now.")

"""A new install, over real signed HTTP against the Slack emulator: no history imported, no
expert model. The first swarm still gets help — from declared skills, the policy's
responders for the case's service and whoever resolved swarmbot's own cases — each invite
saying why; and with truly nobody to ask, the owner and the channel are told what to do
next, never that experts are being invited."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sandbox.emulator import SlackEmulator
from bot.services.user_groups import sync_responder_groups
from tests.e2e.conftest import RunningBot
from tests.e2e.test_swarming_flow import _case_channel

pytestmark = pytest.mark.e2e


@pytest.fixture
def policy_file(request: pytest.FixtureRequest) -> Path | None:
    """A new install's policy: the bundled default, which names no responders (or, for a
    test parametrized with "payments", `payments_policy`)."""
    if getattr(request, "param", None) == "payments":
        return Path(request.getfixturevalue("payments_policy"))
    return None


@pytest.fixture
def people(emulator: SlackEmulator) -> dict[str, str]:
    """A workspace whose people the bot has never met."""
    names = ("maya", "tom", "ana", "kenji", "olga")
    users = {n: emulator.add_user(n, real_name=n.title(), tz="UTC") for n in names}
    users["general"] = emulator.add_channel("general", members=list(users.values()))
    return users


def _ack(emulator: SlackEmulator, user: str) -> str:
    return str(emulator.ephemerals(user)[-1]["text"])


def _told(emulator: SlackEmulator, user: str, words: str) -> str:
    """The note `user` is shown a moment after their ack (who was invited), once it came."""
    found = emulator.wait_for(lambda: [m["text"] for m in emulator.ephemerals(user)
                                       if words in (m.get("text") or "")], timeout=20)
    return str(found[-1])


def _invite(emulator: SlackEmulator, user: str) -> str:
    """The swarm invite DM `user` got, as its text and blocks."""
    found = emulator.wait_for(lambda: [m for m in emulator.dm_messages(user)
                                       if "Swarm invite" in (m.get("text") or "")], timeout=10)
    return str(found[-1]["blocks"])


def _said(emulator: SlackEmulator, channel: str, words: str) -> str:
    found = emulator.wait_for(lambda: [m["text"] for m in emulator.messages(channel)
                                       if words in (m.get("text") or "")], timeout=10)
    return str(found[-1])


def test_a_fresh_install_invites_who_declared_the_skill_and_says_why(
        emulator: SlackEmulator, bot: RunningBot, people: dict[str, str]) -> None:
    maya, tom, ana = people["maya"], people["tom"], people["ana"]
    emulator.slash_command(tom, "/swarm", "skills add payments", channel=people["general"])
    bot.settle()

    emulator.slash_command(maya, "/swarm", "new Card payments declined sev1 service:payments",
                           channel=people["general"])
    assert "Recommended experts are being chosen" in _ack(emulator, maya)
    assert f"recommended experts invited: <@{tom}>." in _told(emulator, maya, "experts invited")

    assert "declared skill `payments`" in _invite(emulator, tom)
    channel = _case_channel(emulator)["id"]
    said = _said(emulator, channel, "Recommended experts, invited now")
    assert f"<@{tom}> — declared skill `payments`" in said and ana not in said
    bot.settle()
    assert not [m for m in emulator.dm_messages(ana) if "Swarm invite" in (m.get("text") or "")]
    home = emulator.wait_for(lambda: emulator.home_view(tom), timeout=10)
    assert "declared skill `payments`" in str(home["blocks"])  # waiting for them, with why


def test_with_nobody_to_invite_the_owner_and_the_channel_are_told_the_next_step(
        emulator: SlackEmulator, bot: RunningBot, people: dict[str, str]) -> None:
    maya = people["maya"]
    emulator.slash_command(maya, "/swarm", "new Card payments declined sev1 service:payments",
                           channel=people["general"])
    assert "Recommended experts are being chosen" in _ack(emulator, maya)
    ack = _told(emulator, maya, "Nobody could be invited")
    assert "experts invited" not in ack and "`/swarm invite @…`" in ack
    assert "`/swarm skills add" in ack and "swarmbot history import" in ack

    channel = _case_channel(emulator)["id"]
    said = _said(emulator, channel, "Nobody was invited to this swarm")
    assert f"<@{maya}>, next steps" in said
    assert "no expert model is trained yet" in said
    for step in ("`/swarm invite @…`", "`/swarm skills add …`",
                 "`swarmbot history import FILE`"):
        assert step in said
    bot.settle()
    assert not any("invited now" in (m.get("text") or "") for m in emulator.messages(channel))
    for person in ("tom", "ana", "kenji", "olga"):
        assert not emulator.dm_messages(people[person])


@pytest.fixture
def on_call_group(emulator: SlackEmulator, people: dict[str, str]) -> str:
    return emulator.add_usergroup("payments-oncall", [people["olga"]], name="Payments on call")


@pytest.fixture
def payments_policy(tmp_path: Path, people: dict[str, str], on_call_group: str) -> Path:
    """Payments cases walk L1 → L2: kenji is on call at L1; ana and a user group at L2."""
    path = tmp_path / "policy.toml"
    path.write_text(f"""
[levels.L1]
response = "15m"
resolution = "4h"
rotation = {{ people = ["{people['kenji']}"], every = "1w", starts = 2026-11-02T09:00:00Z }}

[levels.L2]
response = "1h"
resolution = "8h"
responders = ["{people['ana']}", "{on_call_group}"]

[[paths]]
name = "payments"
services = ["payments"]
levels = ["L1", "L2"]
""")
    return path


@pytest.fixture
def extra_settings() -> dict[str, object]:
    return {"invite_count": 5}


@pytest.mark.parametrize("policy_file", ["payments"], indirect=True)
def test_a_fresh_install_invites_the_policys_responders_and_past_resolvers(
        emulator: SlackEmulator, bot: RunningBot, people: dict[str, str]) -> None:
    maya, tom, ana, kenji, olga = (people[n] for n in ("maya", "tom", "ana", "kenji", "olga"))
    assert sync_responder_groups(bot.container.services) == 1
    bot.settle()

    # swarmbot's first case on payments: maya adds tom, and resolves it
    general = people["general"]
    emulator.slash_command(maya, "/swarm", "new Card payments declined sev1 service:payments",
                           channel=general)
    first = _case_channel(emulator)["id"]
    emulator.slash_command(maya, "/swarm", f"invite <@{tom}>", channel=first)
    emulator.slash_command(maya, "/swarm", "resolve Failed over to the backup acquirer",
                           channel=first)
    bot.settle()

    emulator.slash_command(maya, "/swarm", "new Refunds stuck sev1 service:payments",
                           channel=general)
    assert "Recommended experts are being chosen" in _ack(emulator, maya)
    assert "resolved case #0001 on `payments`" in _invite(emulator, tom)
    assert "on call for `payments` in the policy (L1)" in _invite(emulator, kenji)
    assert "responder for `payments` in the policy (L2)" in _invite(emulator, ana)
    assert "in a responder group for `payments` in the policy (L2)" in _invite(emulator, olga)


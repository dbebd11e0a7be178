"""A Slack user group as a level's responders, over real signed HTTP: its members are read
from Slack (usergroups.users.list) when the clock starts, kept current by
subteam_members_changed, and only they (or people above) may take the case at that level."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sandbox.emulator import SlackEmulator
from bot.sandbox.seed import POLICY_FILE
from bot.services.user_groups import sync_responder_groups
from tests.e2e.conftest import RunningBot, Workspace
from tests.e2e.test_swarming_flow import _case_channel, _snapshot
from tests.e2e.test_tiered_escalation import _answer, _dm, _said

pytestmark = pytest.mark.e2e


@pytest.fixture
def support_group(emulator: SlackEmulator) -> str:
    return emulator.add_usergroup("support-l2", [], name="Support L2 on call")


@pytest.fixture
def policy_file(support_group: str, tmp_path: Path) -> Path:
    """Parcelly's policy with L2 staffed by the user group alone."""
    text = POLICY_FILE.read_text()
    assert 'responders = ["@tom", "@ana"]' in text
    path = tmp_path / "policy.toml"
    path.write_text(text.replace('responders = ["@tom", "@ana"]',
                                 f'responders = ["{support_group}"]'))
    return path


def _declare(emulator: SlackEmulator, parcelly: Workspace, title: str, number: int) -> str:
    emulator.slash_command(parcelly["olivia"], "/swarm", f"new {title} sev3 service:web",
                           channel=parcelly.general)
    return _case_channel(emulator, f"swarm-{number:04d}")["id"]


def test_a_user_groups_members_respond_for_its_level(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace,
        support_group: str) -> None:
    tom, ana = parcelly["tom"], parcelly["ana"]
    # changed before the bot read the group: the delta alone is not trusted…
    emulator.change_usergroup_members(support_group, [tom])
    # …the clock's first full read is
    assert sync_responder_groups(bot.container.services) == 1
    bot.settle()

    channel = _declare(emulator, parcelly, "Wishlist page blank", 1)
    _said(emulator, channel, "Placed at L2", f"<!subteam^{support_group}>", f"<@{tom}>")
    emulator.wait_for(lambda: tom in _snapshot(emulator, channel)["members"])
    assert ana not in _snapshot(emulator, channel)["members"]
    assert "Wishlist page blank" in str(_dm(emulator, tom, "is at L2")["blocks"])
    emulator.slash_command(ana, "/swarm", "ack", channel=channel)
    assert "Only L2's responders" in _answer(emulator, ana)
    emulator.slash_command(tom, "/swarm", "ack", channel=channel)
    assert _answer(emulator, tom) == "You acknowledged case #0001 at L2."

    # Slack tells the bot the rota changed: ana is on, tom is off
    emulator.change_usergroup_members(support_group, [ana])
    bot.settle()
    second = _declare(emulator, parcelly, "Basket icon misplaced", 2)
    _said(emulator, second, "Placed at L2", f"<@{ana}>")
    emulator.wait_for(lambda: ana in _snapshot(emulator, second)["members"])
    emulator.slash_command(tom, "/swarm", "ack", channel=second)
    assert "Only L2's responders" in _answer(emulator, tom)
    emulator.slash_command(ana, "/swarm", "ack", channel=second)
    assert _answer(emulator, ana) == "You acknowledged case #0002 at L2."

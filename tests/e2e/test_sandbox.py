"""The sandbox (what `make run` starts): Parcelly's people, a model trained on the bundled
history, and the console that lets a newcomer act as them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sandbox.console import Console
from bot.sandbox.run import start_sandbox

pytestmark = pytest.mark.e2e


def test_a_newcomer_can_swarm_an_incident_from_the_console(tmp_path: Path) -> None:
    sandbox = start_sandbox(database_url=f"sqlite:///{tmp_path}/sandbox.sqlite3",
                            model_path=tmp_path / "model.joblib")
    lines: list[str] = []
    try:
        console = Console(sandbox.emulator, sandbox.users, sandbox.channels["general"],
                          out=lines.append)
        # sev1: invites go out whatever the hour in the experts' zones
        console.handle("maya: /swarm new Card payments declined sev1 service:payments #stripe")
        sandbox.emulator.wait_for(lambda: any(c["name"].startswith("swarm-0001")
                                              for c in sandbox.emulator.channels()), timeout=10)
        console.catch_up()
        text = "\n".join(lines)
        assert "Case #0001 declared" in text
        invited = [h for h in sandbox.users
                   if any("Swarm invite" in (m.get("text") or "")
                          for m in sandbox.emulator.dm_messages(sandbox.users[h]))]
        assert invited, text
        console.handle(f"{invited[0]}: react white_check_mark")
        channel = next(c for c in sandbox.emulator.channels() if c["name"].startswith("swarm-0001"))
        sandbox.emulator.wait_for(lambda: sandbox.users[invited[0]] in
                                  sandbox.emulator.channel(channel["id"])["members"], timeout=10)
        lines.clear()
        console.handle(f"show #{channel['name']}")
        assert "joined the swarm" in "\n".join(lines) or "Recommended experts" in "\n".join(lines)
    finally:
        sandbox.stop()

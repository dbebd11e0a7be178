"""`swarmbot doctor` against the Slack emulator and a running bot, over real HTTP: a good
install passes; a missing scope, an unmigrated database, a broken policy, another signing
secret and a clock that does not run each fail with a line that says what to do."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.sandbox.emulator import SlackEmulator
from models.db import upgrade
from tests.e2e.conftest import BOT_TOKEN, SIGNING_SECRET, RunningBot

pytestmark = pytest.mark.e2e


@pytest.fixture
def install(monkeypatch: pytest.MonkeyPatch, emulator: SlackEmulator, bot: RunningBot,
            database_url: str, model_path: Path, sample_model: Path, policy_file: Path
            ) -> dict[str, str]:
    """The environment of a deployment that works: the running bot's own settings."""
    shutil.copy(sample_model, model_path)
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": emulator.api_url, "DATABASE_URL": database_url,
           "SWARMBOT_MODEL_PATH": str(model_path), "SWARMBOT_POLICY": str(policy_file)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    monkeypatch.chdir(model_path.parent)  # no .env of the developer's
    return env


def doctor(capsys: pytest.CaptureFixture[str], bot: RunningBot) -> tuple[int, dict[str, str]]:
    code = main(["doctor", "--url", f"{bot.url}/slack/events"])
    out = capsys.readouterr().out
    lines = {line.split(":", 1)[0].split(None, 1)[1]: line for line in out.splitlines()
             if ":" in line}
    return code, lines


def test_a_good_install_passes(install: dict[str, str], bot: RunningBot,
                               capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = doctor(capsys, bot)
    assert code == 0, lines
    assert lines["Slack token"].startswith("  ok") and "@swarmbot" in lines["Slack token"]
    assert lines["Slack scopes"].startswith("  ok")
    assert lines["request URL"].startswith("  ok")
    assert lines["database"].startswith("  ok")
    assert lines["expert model"].startswith("  ok") and "trained" in lines["expert model"]
    assert lines["escalation policy"].startswith("  ok")
    assert not any(line.startswith("FAIL") for line in lines.values())


def test_a_missing_scope_fails_naming_it(install: dict[str, str], bot: RunningBot,
                                         emulator: SlackEmulator,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    emulator.scopes.discard("usergroups:read")
    code, lines = doctor(capsys, bot)
    assert code == 1
    assert lines["Slack scopes"].startswith("FAIL")
    assert "usergroups:read" in lines["Slack scopes"] and "reinstall" in lines["Slack scopes"]
    assert lines["Slack token"].startswith("  ok")


def test_an_unmigrated_database_fails(install: dict[str, str], bot: RunningBot,
                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    behind = f"sqlite:///{tmp_path / 'behind.sqlite3'}"
    upgrade(behind, "0010")
    monkeypatch.setenv("DATABASE_URL", behind)
    code, lines = doctor(capsys, bot)
    assert code == 1
    assert lines["database"].startswith("FAIL")
    assert "0010" in lines["database"] and "swarmbot db upgrade" in lines["database"]


def test_a_broken_policy_fails_with_its_problem(install: dict[str, str], bot: RunningBot,
                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "policy.toml"
    broken.write_text("[levels\nname = 'L1'\n", encoding="utf-8")
    monkeypatch.setenv("SWARMBOT_POLICY", str(broken))
    code, lines = doctor(capsys, bot)
    assert code == 1
    assert lines["escalation policy"].startswith("FAIL")
    assert str(broken) in lines["escalation policy"]


def test_another_signing_secret_fails_the_request_url(install: dict[str, str], bot: RunningBot,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "not-the-bots-secret")
    code, lines = doctor(capsys, bot)
    assert code == 1
    assert lines["request URL"].startswith("FAIL") and "SLACK_SIGNING_SECRET" in \
        lines["request URL"]


def test_a_clock_that_does_not_run_fails(install: dict[str, str], bot: RunningBot,
                                         emulator: SlackEmulator,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The test bot's clock reads a fixed morning in 2026-11; a case declared then has
    timers long due by the wall clock, and no clock process fires them."""
    alice = emulator.add_user("alice")
    general = emulator.add_channel("general", members=[alice])
    emulator.slash_command(alice, "/swarm", "new Checkout down sev1", channel=general)
    bot.settle()
    code, lines = doctor(capsys, bot)
    assert code == 1
    assert lines["clock"].startswith("FAIL") and "swarmbot clock" in lines["clock"]


def test_a_wrong_token_fails(install: dict[str, str], bot: RunningBot,
                             monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
    code, lines = doctor(capsys, bot)
    assert code == 1
    assert lines["Slack token"].startswith("FAIL") and "invalid_auth" in lines["Slack token"]
    assert lines["Slack scopes"].startswith("FAIL")


def test_socket_mode_with_a_token_slack_refuses_fails(install: dict[str, str], bot: RunningBot,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-not-this-apps-token")
    code, lines = doctor(capsys, bot)
    assert code == 1
    assert "request URL" not in lines  # Socket Mode replaces the request URL
    assert lines["Socket Mode"].startswith("FAIL")
    assert "apps.connections.open answered invalid_auth" in lines["Socket Mode"]

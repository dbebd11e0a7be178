"""`swarmbot` on the command line: settings problems are one clear line, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", **env}, cwd=cwd, timeout=60,
                          check=False)


@pytest.mark.parametrize(("env", "variable"), [
    ({}, "SLACK_BOT_TOKEN"),
    ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "PORT": "http"}, "PORT"),
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "WEB_CONCURRENCY": "0"},
     "WEB_CONCURRENCY"),
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "DATABASE_URL": "mysql://x"},
     "DATABASE_URL"),
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s",
      "SWARMBOT_POLICY": "/nonexistent/policy.toml"}, "SWARMBOT_POLICY"),
])
def test_serve_names_the_missing_or_malformed_variable(tmp_path: Path, env: dict[str, str],
                                                       variable: str) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", **env,
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    result = _run(["serve"], env, tmp_path)
    assert result.returncode == 2
    assert variable in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_serve_on_sqlite_refuses_several_web_processes_naming_postgresql(tmp_path: Path) -> None:
    """SQLite is the one-machine database: one web process (with threads) writes to it."""
    database = tmp_path / "db.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{database}", "SLACK_BOT_TOKEN": "xoxb-1",
           "SLACK_SIGNING_SECRET": "s", "WEB_CONCURRENCY": "2",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    result = _run(["serve"], env, tmp_path)
    assert result.returncode == 2
    assert "WEB_CONCURRENCY=2" in result.stderr and "PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert not database.exists()  # refused before anything was created


def test_history_import_reports_bad_rows_and_adds_nothing_twice(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text("id,title,description,service,severity,tags,created_at,resolved_at,"
                       "owner,resolvers\nX-1,DB down,,db,,,2026-01-01,,,U1\n"
                       "X-2,,,db,,,2026-01-01,,,U1\n")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    first = _run(["history", "import", str(history)], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "1 added" in first.stdout and "line 3" in first.stderr
    again = _run(["history", "import", str(history)], env, tmp_path)
    assert "0 added, 1 already there" in again.stdout


def test_serve_refuses_a_bad_escalation_policy_naming_the_setting(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[levels.L1]\nresponse = "soon"\nresolution = "4h"\n', encoding="utf-8")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "SLACK_BOT_TOKEN": "xoxb-1",
           "SLACK_SIGNING_SECRET": "s", "SWARMBOT_POLICY": str(policy),
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for command in ("serve", "clock"):
        result = _run([command], env, tmp_path)
        assert result.returncode == 2
        assert f"Escalation policy {policy} is invalid — levels.L1.response: 'soon' is not a " \
               "duration" in result.stderr
        assert "Traceback" not in result.stderr


def test_the_command_line_and_the_web_process_start_without_the_models_libraries(
        tmp_path: Path) -> None:
    """`swarmbot --help`, a settings error and the web process's wiring answer without
    loading scikit-learn, SciPy or numpy (seconds on a busy machine): only training, loading
    or evaluating a model needs them."""
    probe = ("import sys, bot.cli, bot.bootstrap\n"
             "bot.cli.build_parser()\n"
             "print(sorted({m.split('.')[0] for m in sys.modules}"
             " & {'sklearn', 'scipy', 'numpy'}))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin",
                                 "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
                            cwd=tmp_path, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    done = _run(["--version"], {}, tmp_path)
    assert done.returncode == 0
    assert done.stdout.strip() == f"swarmbot {version('swarmbot')}"

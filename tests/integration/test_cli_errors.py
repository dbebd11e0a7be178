"""Every `swarmbot` command answers bad input (paths, URLs, files) with one line on stderr
and an exit code — never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _swarmbot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/swarmbot.sqlite3",
                   "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=environment,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)


def _one_clear_line(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines()
             if line.startswith("swarmbot:")]
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0]


def test_export_to_a_directory_that_does_not_exist(tmp_path: Path) -> None:
    result = _swarmbot(tmp_path, "export", "cases", "--out", "/nonexistent/dir/x.csv")
    _one_clear_line(result, "cannot write /nonexistent/dir/x.csv", "No such file")


def test_a_binary_history_file_is_named(tmp_path: Path) -> None:
    binary = tmp_path / "history.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    _one_clear_line(_swarmbot(tmp_path, "history", "import", str(binary)),
                    str(binary), "not a UTF-8 text file")


def test_a_history_file_without_the_header_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "history.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    _one_clear_line(_swarmbot(tmp_path, "history", "import", str(bad)), str(bad), "header")


def test_a_database_url_that_is_not_one(tmp_path: Path) -> None:
    _one_clear_line(_swarmbot(tmp_path, "audit", "verify", DATABASE_URL="not a url"),
                    "DATABASE_URL")
    _one_clear_line(_swarmbot(tmp_path, "export", "cases",
                              DATABASE_URL="postgresql://nobody@127.0.0.1:9/swarmbot"),
                    "database")


def test_piping_into_head_stops_quietly(tmp_path: Path) -> None:
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/swarmbot.sqlite3",
                   "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env=environment,
                   cwd=tmp_path, check=True, capture_output=True, timeout=120)
    from datetime import UTC, datetime

    from sqlalchemy import text

    from models.db import make_engine, make_session_factory
    from models.uow import UnitOfWork

    engine = make_engine(environment["DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO cases (id, title, description, service, tags, "
                                "severity, status, mode, is_private, source, created_at) "
                                "VALUES (1, 't', '', '', '[]', 'sev3', 'open', 'tiered', 0, "
                                "'slack', '2026-11-01 10:00:00')"))
    with UnitOfWork(make_session_factory(engine)) as uow:
        for n in range(20000):
            uow.timeline.record(1, "status_update", f"update {n} " + "x" * 40,
                                at=datetime(2026, 11, 1, 10, tzinfo=UTC))
        uow.commit()
    engine.dispose()
    pipeline = subprocess.run(
        f"{sys.executable} -m bot.cli export timeline | head -n 2", shell=True, env=environment,
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert len(pipeline.stdout.splitlines()) == 2
    assert "Traceback" not in pipeline.stderr and "BrokenPipe" not in pipeline.stderr


def test_sandbox_refuses_a_broken_policy_like_serve(tmp_path: Path) -> None:
    """`SWARMBOT_POLICY` is read by `swarmbot sandbox` as by `serve` (it was ignored)."""
    broken = tmp_path / "policy.toml"
    broken.write_text("[levels.L1]\nresponse = \n", encoding="utf-8")
    result = _swarmbot(tmp_path, "sandbox", "--port", "0", SWARMBOT_POLICY=str(broken))
    _one_clear_line(result, str(broken), "not valid TOML")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00" * 50)
    _one_clear_line(_swarmbot(tmp_path, "sandbox", "--port", "0",
                              SWARMBOT_POLICY=str(binary)), str(binary), "not a text")

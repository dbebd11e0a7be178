"""`swarmbot sandbox` (what `make run` starts): it prints where the workspace page is, the
page answers there, and every run starts a fresh workspace — the emulator keeps nothing
between runs, so neither may the sandbox's database."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def _start(folder: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "sandbox", "--port", "0"],
                               cwd=folder, env=env, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    urls: dict[str, str] = {}
    assert process.stdout is not None
    for line in process.stdout:
        if found := re.search(r"(open the workspace|case webhook):.*?(http://[^\s/]+)", line):
            urls[found[1]] = found[2]
        if "Press Ctrl-C" in line:
            return process, urls
    raise AssertionError(f"the sandbox stopped before it was up (exit {process.wait()})")


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(timeout=30)


def _cases(folder: Path) -> int:
    with sqlite3.connect(folder / "var" / "sandbox.sqlite3") as db:
        return int(db.execute("select count(*) from cases").fetchone()[0])


def test_the_run_command_prints_the_page_and_starts_fresh_each_time(tmp_path: Path) -> None:
    process, urls = _start(tmp_path)
    try:
        with urllib.request.urlopen(urls["open the workspace"] + "/", timeout=10) as page:
            assert page.status == 200 and "swarmbot" in page.read().decode().lower()
        hook = urllib.request.Request(
            urls["case webhook"] + "/hooks/cases", method="POST",
            data=json.dumps({"title": "Disk full on db-3", "external_id": "PD-1"}).encode(),
            headers={"Authorization": "Bearer sandbox", "Content-Type": "application/json"})
        with urllib.request.urlopen(hook, timeout=10) as answer:
            assert answer.status in (200, 201, 202)
        assert _cases(tmp_path) == 1
    finally:
        _stop(process)

    process, _ = _start(tmp_path)
    try:
        assert _cases(tmp_path) == 0
    finally:
        _stop(process)

"""The bot as it is deployed, for load runs: `swarmbot serve` web processes — each with
`workers` worker processes (WEB_CONCURRENCY), each worker also delivering what it records — on
one database (SQLite: one web process of one worker), talking to a Slack emulator by URL; the
emulator's request URL names the web processes and they take turns, as behind a load balancer.

    with Fleet(emulator, database_url, web=2, workers=2, folder=tmp) as fleet: ...
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import requests
from sqlalchemy import func, select

from bot.config import load_settings
from bot.sandbox.emulator import SlackEmulator
from bot.sandbox.seed import HISTORY_FILE, PEOPLE, POLICY_FILE
from bot.services.context import ServiceContext
from bot.services.expertise import register_expert
from models.base import utcnow
from models.db import make_engine, make_session_factory, upgrade
from models.scheduling import OutboxMessage, OutboxState
from models.uow import UnitOfWork


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serving(port: int, *, timeout: float) -> bool:
    """True once `swarmbot serve` on `port` answers /healthz; False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return True
        except requests.RequestException:  # not listening yet, or too busy to answer in 1 s
            time.sleep(0.1)
    return False


def people(emulator: SlackEmulator) -> dict[str, str]:
    """Parcelly's people (the sandbox's, whom the bundled history knows) in the emulator."""
    return {p.handle: emulator.add_user(p.handle, real_name=p.real_name,
                                        email=f"{p.handle}@parcelly.example", tz=p.tz)
            for p in PEOPLE}


def train_model(path: Path) -> Path:
    from skills_index.history import read_history
    from skills_index.model import ExpertModel

    ExpertModel.train(read_history(HISTORY_FILE).records,
                      now=datetime(2026, 11, 1, tzinfo=UTC)).save(path)
    return path


class Fleet:
    """`web` `swarmbot serve` processes of `workers` worker processes each, on `database_url`
    (migrated and seeded here)."""

    def __init__(self, emulator: SlackEmulator, database_url: str, users: dict[str, str], *,
                 web: int, folder: Path, workers: int = 1,
                 env: dict[str, str] | None = None, command: list[str] | None = None,
                 seed: bool = True, cwd: Path | None = None) -> None:
        """`command`: what to run instead of `swarmbot serve` (bench/floor.py), with `seed`
        False: no schema, people or model of ours."""
        if database_url.startswith("sqlite") and web * workers > 1:
            raise ValueError(f"{web} web process(es) of {workers} worker(s) on SQLite: it takes "
                             "one of one (with threads); for more, use PostgreSQL")
        self.emulator, self.database_url, self.folder = emulator, database_url, folder
        self.web, self.seeded, self.cwd = web, seed, cwd  # cwd: the checkout the bot runs
        self.command = command or [sys.executable, "-m", "bot.cli", "serve"]
        folder.mkdir(parents=True, exist_ok=True)
        if seed:
            upgrade(database_url)
        self.engine = make_engine(database_url)
        factory = make_session_factory(self.engine)
        self.services = ServiceContext(
            settings=load_settings(_env_file=None, database_url=database_url),
            uow=lambda: UnitOfWork(factory), now=utcnow, recommender=lambda: None, policy=None)
        if seed:
            for person in PEOPLE:  # everyone reachable, whatever the hour in their zone
                register_expert(self.services, user_id=users[person.handle],
                                handle=person.handle, display_name=person.real_name,
                                skills=person.skills)
        model = train_model(folder / "model.joblib") if seed else folder / "none"
        self.ports = [_free_port() for _ in range(web)]
        self.env = {**os.environ, "SLACK_BOT_TOKEN": emulator.bot_token,
                    "SLACK_SIGNING_SECRET": emulator.signing_secret,
                    "SLACK_API_URL": emulator.api_url, "DATABASE_URL": database_url,
                    "HOST": "127.0.0.1", "SWARMBOT_MODEL_PATH": str(model),
                    "SWARMBOT_POLICY": str(POLICY_FILE), "LOG_LEVEL": "WARNING",
                    "WEB_CONCURRENCY": str(workers), **(env or {})}
        self.processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Self:
        for n, port in enumerate(self.ports):
            log = open(self.folder / f"web-{n}.log", "ab")  # noqa: SIM115 — the child's
            self.processes.append(subprocess.Popen(
                self.command, env={**self.env, "PORT": str(port)}, cwd=self.cwd,
                stdout=log, stderr=subprocess.STDOUT))
        for port in self.ports:
            if not serving(port, timeout=60):
                raise RuntimeError(f"swarmbot serve on port {port} did not start: "
                                   f"{self.logs()}")
        self.emulator.request_url = self.request_url
        return self

    @property
    def request_url(self) -> str:
        """The emulator's request URL for these processes (they take turns)."""
        return " ".join(f"http://127.0.0.1:{port}/slack/events" for port in self.ports)

    def settled(self, *, timeout: float) -> bool:
        """Wait until the outbox has nothing left to deliver (False: still some after
        `timeout` seconds). Read with the engine's plain connections, no lock taken."""
        if not self.seeded:
            return True
        deadline = time.monotonic() + timeout
        while True:
            with self.engine.connect() as connection:
                left = connection.scalar(select(func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.state == OutboxState.PENDING))
            if not left:
                return True
            if time.monotonic() > deadline:
                print(f"  (still {left} effects to deliver after {timeout:.0f} s)")
                return False
            time.sleep(0.2)

    def cpu_seconds(self) -> float:
        """User + system CPU time the web processes and their workers (their children) used
        so far (Linux)."""
        web = {p.pid for p in self.processes}
        ticks = 0
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:  # ended meanwhile
                    continue
                if int(entry.name) in web or int(fields[1]) in web:
                    ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def logs(self) -> str:
        return "\n".join((self.folder / f"web-{n}.log").read_text(errors="replace")[-2000:]
                         for n in range(self.web) if (self.folder / f"web-{n}.log").exists())

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.engine.dispose()

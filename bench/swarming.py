"""Swarming under a burst: many `/swarm new` at once through the Slack emulator (no added
latency, no rate limits), against the real bot on SQLite (or --database-url). Reports the
slash-command ack latency and the time from `/swarm new` until the case channel exists and
every invite DM the bot decided for the case has been sent (3 experts a case: nobody is kept
out for being in too many swarms at once).

The bot runs either as deployed — `swarmbot serve` with `--workers N` worker processes
(WEB_CONCURRENCY; default as serve's: one on SQLite — the most it takes — and one per core,
up to 4, on PostgreSQL), in processes of their own
(bench/fleet.py), the emulator in this one — or, with `--workers 0`, in this process next to
the emulator (the sandbox's set-up: one interpreter lock for both). `--compare` also runs the
other set-ups in the same run, one after the other: 1 worker, and the bot in this process.

    .venv/bin/python -m bench.swarming [--cases 100] [--concurrency 8] [--workers N] [--compare]
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, func, select

from bench.fleet import Fleet, people
from bot.config import load_settings
from bot.sandbox.emulator import SlackEmulator
from bot.sandbox.run import start_sandbox
from models.case import Invite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int,
                        help="swarmbot serve's worker processes (0: the bot in this process; "
                             "default: as serve's)")
    parser.add_argument("--compare", action="store_true",
                        help="also run 1 worker and the bot in this process, for comparison")
    parser.add_argument("--database-url", help="default: a new SQLite file (per set-up)")
    args = parser.parse_args()
    if args.workers is None:
        args.workers = load_settings(_env_file=None, database_url=args.database_url
                                     or "sqlite:///bench.sqlite3").web_processes
    # Every case gets its experts: with the default limit (3 open swarms a person) the 12
    # people of the sample workspace would be busy after a dozen cases and the rest would
    # invite no one.
    os.environ["SWARMBOT_MAX_OPEN_SWARMS"] = str(args.cases + 1)
    set_ups = list(dict.fromkeys([args.workers, 1, 0] if args.compare else [args.workers]))
    for workers in set_ups:
        where = (f"swarmbot serve, {workers} worker process(es)" if workers else
                 "the bot in the benchmark's process, next to the emulator")
        print(f"--- {where}")
        with tempfile.TemporaryDirectory() as folder:
            url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
            if workers:
                deployed(url, Path(folder), workers, args.cases, args.concurrency)
            else:
                in_process(url, Path(folder), args.cases, args.concurrency)


def in_process(url: str, folder: Path, cases: int, concurrency: int) -> None:
    sandbox = start_sandbox(database_url=url, model_path=folder / "model.joblib",
                            page_port=None)
    try:
        run(sandbox.emulator, list(sandbox.users.values()), sandbox.channels["general"],
            url, cases, concurrency)
    finally:
        sandbox.stop()


def deployed(url: str, folder: Path, workers: int, cases: int, concurrency: int) -> None:
    emulator = SlackEmulator(signing_secret=secrets.token_hex(16),
                             bot_token="xoxb-bench-" + secrets.token_hex(8)).start()
    try:
        users = people(emulator)
        general = emulator.add_channel("general", members=list(users.values()))
        incidents = emulator.add_channel("incidents", members=list(users.values()))
        with Fleet(emulator, url, users, web=1, workers=workers, folder=folder,
                   env={"SWARMBOT_STAKEHOLDER_CHANNEL": incidents}) as fleet:
            before = fleet.cpu_seconds()
            ours = time.process_time()
            run(emulator, list(users.values()), general, url, cases, concurrency)
            used = fleet.cpu_seconds() - before
            ours = time.process_time() - ours
            print(f"CPU per case: bot {used / cases * 1000:.0f} ms, emulator and benchmark "
                  f"{ours / cases * 1000:.0f} ms")
    finally:
        emulator.stop()


def run(emulator: SlackEmulator, people: list[str], general: str, url: str, cases: int,
        concurrency: int) -> None:
    # The watcher reads with a plain engine: no transaction, so never the bot's writer lock.
    watching = create_engine(url)
    sent_at: dict[int, float] = {}
    ready_at: dict[int, float] = {}
    done = threading.Event()

    def progress() -> tuple[set[str], set[int]]:
        """Case channels so far (read under the emulator's lock, no copies), and the cases
        with an invite decided but its DM not sent yet."""
        workspace = emulator.workspace
        with workspace.lock:
            names = {c.name[6:10] for c in workspace.channels.values()
                     if c.name.startswith("swarm-")}
        with watching.connect() as connection:
            waiting = set(connection.scalars(
                select(Invite.case_id).where(Invite.message_ts.is_(None))))
        return names, waiting

    def watch() -> None:
        while not done.is_set() or len(ready_at) < len(sent_at):
            names, waiting = progress()
            now = time.perf_counter()
            for number in list(sent_at):
                if number not in ready_at and f"{number:04d}" in names and number not in waiting:
                    ready_at[number] = now
            if done.is_set() and time.perf_counter() - last_send[0] > 120:
                break
            time.sleep(0.05)

    last_send = [time.perf_counter()]
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    acks: list[float] = []
    lock = threading.Lock()

    def declare(n: int) -> None:
        user = people[n % len(people)]
        started = time.perf_counter()
        result = emulator.slash_command(user, "/swarm", f"new Checkout errors batch {n} sev1 "
                                        "service:checkout", channel=general)
        with lock:
            acks.append(result.elapsed)
            text = (result.body or {}).get("text", "") if isinstance(result.body, dict) else ""
            number = int(text.split("#", 1)[1][:4]) if "declared" in text else None
            if number is not None:
                sent_at[number] = started
            last_send[0] = time.perf_counter()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(declare, range(cases)))
    burst = time.perf_counter() - started
    done.set()
    watcher.join(timeout=120)
    ready = [ready_at[n] - sent_at[n] for n in sent_at if n in ready_at]
    channels = [c for c in emulator.channels() if c["name"].startswith("swarm-")]
    with watching.connect() as connection:
        invites = connection.scalar(select(func.count()).select_from(Invite)
                                    .where(Invite.message_ts.is_not(None)))
    watching.dispose()
    print(f"{cases} declarations, {concurrency} at a time, in {burst:.1f} s; "
          f"{len(sent_at)} answered \"declared\"")
    print(f"ack latency: p50 {np.percentile(acks, 50) * 1000:.0f} ms, p99 "
          f"{np.percentile(acks, 99) * 1000:.0f} ms, max {max(acks) * 1000:.0f} ms")
    if ready:
        print(f"/swarm new → channel created and every invite DM sent: p50 "
              f"{np.percentile(ready, 50):.2f} s, p99 {np.percentile(ready, 99):.2f} s "
              f"({len(ready)}/{len(sent_at)} ready)")
    print(f"channels: {len(channels)} for {len(sent_at)} cases; duplicate channels: "
          f"{len(channels) - len({c['name'][:10] for c in channels})}; invite DMs sent: "
          f"{invites}")


if __name__ == "__main__":
    main()

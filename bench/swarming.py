"""Swarming under a burst: many `/swarm new` at once through the Slack emulator, against the
real bot on SQLite (or --database-url). Reports the slash-command ack latency and the time
from `/swarm new` until the case channel exists and everything the bot recorded for the case
(invite DMs, summary, topic, messages) has been delivered.

    .venv/bin/python -m bench.swarming [--cases 100] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from sqlalchemy import select

from bot.sandbox.run import start_sandbox
from models.case import Invite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        sandbox = start_sandbox(database_url=url, model_path=Path(folder) / "model.joblib")
        try:
            run(sandbox, args.cases, args.concurrency)
        finally:
            sandbox.stop()


def run(sandbox, cases: int, concurrency: int) -> None:  # type: ignore[no-untyped-def]
    emulator, people = sandbox.emulator, list(sandbox.users.values())
    general = sandbox.channels["general"]
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
        with sandbox.container.uow() as uow:
            waiting = set(uow.session.scalars(
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
            text = (emulator.ephemerals(user)[-1]["text"] if emulator.ephemerals(user) else "")
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
    print(f"{cases} declarations, {concurrency} at a time, in {burst:.1f} s")
    print(f"ack latency: p50 {np.percentile(acks, 50) * 1000:.0f} ms, p99 "
          f"{np.percentile(acks, 99) * 1000:.0f} ms, max {max(acks) * 1000:.0f} ms")
    if ready:
        print(f"/swarm new → channel created and every invite DM sent: p50 "
              f"{np.percentile(ready, 50):.2f} s, p99 {np.percentile(ready, 99):.2f} s "
              f"({len(ready)}/{len(sent_at)} ready)")
    print(f"channels: {len(channels)} for {len(sent_at)} cases; duplicate channels: "
          f"{len(channels) - len({c['name'][:10] for c in channels})}")


if __name__ == "__main__":
    main()

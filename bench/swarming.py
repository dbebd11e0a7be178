"""Swarming under a burst: many `/swarm new` at once through the Slack emulator (no rate
limits; `--latency-ms` gives each Web API call Slack's round trip), against the real bot on
SQLite (or --database-url). Reports the slash-command ack latency and, from what the emulator
and the database recorded, the time from `/swarm new` until the case channel exists and until
every invite DM the bot decided for the case is posted (3 experts a case: nobody is kept out
for being in too many swarms at once), and the bot's CPU time per case.

The bot runs either as deployed — `swarmbot serve` with `--workers N` worker processes
(WEB_CONCURRENCY; default as serve's: one on SQLite — the most it takes — and one per core,
up to 4, on PostgreSQL) in `--web N` processes of their own (bench/fleet.py; several need
PostgreSQL), the emulator in this one — or, with `--workers 0`, in this process next to the
emulator (the sandbox's set-up: one interpreter lock for both). `--compare` also runs the
other set-ups in the same run, one after the other: 1 worker, and the bot in this process.

`--floor` also runs the floor (bench/floor.py: a bare bolt App that verifies the signature,
commits one row and acks) behind the same server, processes and database, under the same
load in the same run — its burst right before the bot's, at each `--concurrency` — and prints
the bot's ack latency and CPU per case as multiples of the floor's. `--bot-source DIR` runs
the bot's processes from another checkout (e.g. `git worktree add /tmp/before main`): the
same bench, before and after a change.

    .venv/bin/python -m bench.swarming [--cases 100] [--concurrency 8 [1 …]] [--workers N]
        [--web N] [--latency-ms 150] [--floor] [--compare] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
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
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8],
                        help="clients sending at once; several: one burst each, in turn")
    parser.add_argument("--workers", type=int,
                        help="swarmbot serve's worker processes (0: the bot in this process; "
                             "default: as serve's)")
    parser.add_argument("--web", type=int, default=1,
                        help="swarmbot serve processes (more than one needs PostgreSQL)")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="each Web API call's round trip in the emulator (Slack: ~150)")
    parser.add_argument("--spaced", action="store_true",
                        help="one case at a time: each declared once the last is delivered")
    parser.add_argument("--floor", action="store_true",
                        help="also run the bare bolt app under the same load; print ratios")
    parser.add_argument("--bot-source", type=Path,
                        help="run the bot's processes from this checkout (before/after)")
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
    os.environ["SWARMBOT_MAX_OPEN_SWARMS"] = str(args.cases * len(args.concurrency) + 1)
    set_ups = list(dict.fromkeys([args.workers, 1, 0] if args.compare else [args.workers]))
    for workers in set_ups:
        where = (f"swarmbot serve, {args.web} web process(es) of {workers} worker "
                 f"process(es)" if workers else
                 "the bot in the benchmark's process, next to the emulator")
        print(f"--- {where}; Web API latency {args.latency_ms:.0f} ms", flush=True)
        with tempfile.TemporaryDirectory() as folder:
            url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
            if workers:
                deployed(url, Path(folder), args, workers)
            else:
                in_process(url, Path(folder), args)


@dataclass
class Burst:
    """What one burst measured."""

    acks: list[float]
    cpu_per_case: float | None = None  # until everything is delivered (refreshes too)
    cpu_until_ready: float | None = None  # until every case has its channel and invites
    channel: list[float] | None = None  # /swarm new → the channel exists, per case (s)
    invites: list[float] | None = None  # /swarm new → every invite DM posted (s)


def in_process(url: str, folder: Path, args: argparse.Namespace) -> None:
    sandbox = start_sandbox(database_url=url, model_path=folder / "model.joblib",
                            page_port=None)
    sandbox.emulator.latency = args.latency_ms / 1000
    try:
        for concurrency in args.concurrency:
            report(f"bot, {concurrency} client(s)",
                   run(sandbox.emulator, list(sandbox.users.values()),
                       sandbox.channels["general"], url, args.cases, concurrency),
                   args.cases, concurrency, args.latency_ms)
    finally:
        sandbox.stop()


def deployed(url: str, folder: Path, args: argparse.Namespace, workers: int) -> None:
    emulator = SlackEmulator(signing_secret=secrets.token_hex(16),
                             bot_token="xoxb-bench-" + secrets.token_hex(8),
                             latency=args.latency_ms / 1000).start()
    env: dict[str, str] = {}
    if args.bot_source:
        env["PYTHONPATH"] = str(args.bot_source.resolve())
    try:
        users = people(emulator)
        general = emulator.add_channel("general", members=list(users.values()))
        incidents = emulator.add_channel("incidents", members=list(users.values()))
        floor = None
        if args.floor:
            floor_url = (url if not url.startswith("sqlite") else
                         f"sqlite:///{folder}/floor.sqlite3")
            floor = Fleet(emulator, floor_url, users, web=args.web, workers=workers,
                          folder=folder / "floor", command=[sys.executable, "-m", "bench.floor"],
                          seed=False)
        with Fleet(emulator, url, users, web=args.web, workers=workers, folder=folder,
                   env={"SWARMBOT_STAKEHOLDER_CHANNEL": incidents, **env},
                   cwd=args.bot_source.resolve() if args.bot_source else None) as fleet, \
                (floor if floor is not None else _Nothing()) as floor_fleet:
            for concurrency in args.concurrency:
                floor_burst = None
                if floor_fleet is not None:
                    emulator.request_url = floor_fleet.request_url
                    floor_burst = measured(floor_fleet, lambda c=concurrency: run(
                        emulator, list(users.values()), general, None, args.cases, c,
                        between=None), args.cases)
                    report(f"floor, {concurrency} client(s)", floor_burst, args.cases,
                           concurrency, args.latency_ms)
                emulator.request_url = fleet.request_url
                between = (lambda: fleet.settled(timeout=60)) if args.spaced else None
                burst = measured(fleet, lambda c=concurrency, b=between: run(
                    emulator, list(users.values()), general, url, args.cases, c,
                    between=b), args.cases)
                report(f"bot, {concurrency} client(s)", burst, args.cases, concurrency,
                       args.latency_ms)
                if floor_burst is not None:
                    against_floor(burst, floor_burst, concurrency)
    finally:
        emulator.stop()


class _Nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def measured(fleet: Fleet, burst: Callable[[], Burst], cases: int) -> Burst:
    """The burst, with the CPU time the fleet's processes used for it — until their outbox is
    empty (everything the cases asked for delivered, refreshes too)."""
    before = fleet.cpu_seconds()
    result = burst()
    result.cpu_until_ready = (fleet.cpu_seconds() - before) / cases
    fleet.settled(timeout=120)
    result.cpu_per_case = (fleet.cpu_seconds() - before) / cases
    return result


def run(emulator: SlackEmulator, people: list[str], general: str, url: str | None, cases: int,
        concurrency: int, *, between: Callable[[], object] | None = None) -> Burst:
    """One burst of `cases` declarations, `concurrency` at a time; with `url` (the bot's
    database), waits until every case has its channel and its invite DMs, and times them.
    `between`: called after each declaration's answer (waits until it is delivered)."""
    sent_at: dict[int, float] = {}
    acks: list[float] = []
    lock = threading.Lock()
    burst = secrets.token_hex(2)  # titles of their own: never a repeat of an earlier burst's

    def declare(n: int) -> None:
        user = people[n % len(people)]
        started = time.time()
        result = emulator.slash_command(user, "/swarm", f"new Checkout errors {burst} batch "
                                        f"{n} sev1 service:checkout", channel=general)
        with lock:
            acks.append(result.elapsed)
            text = (result.body or {}).get("text", "") if isinstance(result.body, dict) else ""
            number = int(text.split("#", 1)[1][:4]) if "declared" in text else None
            if number is not None:
                sent_at[number] = started
        if between is not None:
            between()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(declare, range(cases)))
    took = time.perf_counter() - started
    print(f"  {cases} declarations, {concurrency} at a time, in {took:.1f} s; "
          f"{len(sent_at)} answered \"declared\"", flush=True)
    if url is None:
        return Burst(acks)
    channel_at, invites_at = _wait_until_ready(emulator, url, set(sent_at))
    return Burst(acks, channel=[channel_at[n] - sent_at[n] for n in sent_at if n in channel_at],
                 invites=[invites_at[n] - sent_at[n] for n in sent_at if n in invites_at])


def _wait_until_ready(emulator: SlackEmulator, url: str, numbers: set[int], *,
                      timeout: float = 120) -> tuple[dict[int, float], dict[int, float]]:
    """When each case's channel was created (the emulator's record of conversations.create)
    and when the last of its invite DMs was posted (its ts is the emulator's clock), once
    every case has both — or `timeout` seconds passed. The database is read with a plain
    engine: no transaction, so never the bot's writer lock."""
    watching = create_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with watching.connect() as connection:
                rows = connection.execute(
                    select(Invite.case_id, func.count(), func.count(Invite.message_ts),
                           func.max(Invite.message_ts))
                    .where(Invite.case_id.in_(numbers)).group_by(Invite.case_id)).all()
            invites_at = {case: float(last) for case, decided, sent, last in rows
                          if decided and decided == sent}
            channel_at = _channels_created(emulator, numbers)
            if (len(invites_at) == len(numbers) and len(channel_at) == len(numbers)) or \
                    time.monotonic() > deadline:
                return channel_at, invites_at
            time.sleep(0.1)
    finally:
        watching.dispose()


def _channels_created(emulator: SlackEmulator, numbers: set[int]) -> dict[int, float]:
    workspace = emulator.workspace
    with workspace.lock:
        created = [(call["at"], call["response"]["channel"]["name"])
                   for call in workspace.calls
                   if call["method"] == "conversations.create" and call.get("ok")]
    found: dict[int, float] = {}
    for at, name in created:
        if name.startswith("swarm-") and name[6:10].isdigit() and int(name[6:10]) in numbers:
            found.setdefault(int(name[6:10]), at)
    return found


def report(who: str, burst: Burst, cases: int, concurrency: int, latency_ms: float) -> None:
    acks = burst.acks
    print(f"  {who}: ack p50 {np.percentile(acks, 50) * 1000:.0f} ms, p99 "
          f"{np.percentile(acks, 99) * 1000:.0f} ms, max {max(acks) * 1000:.0f} ms"
          + (f"; CPU per case {burst.cpu_until_ready * 1000:.1f} ms until ready, "
             f"{burst.cpu_per_case * 1000:.1f} ms until all delivered"
             if burst.cpu_per_case is not None and burst.cpu_until_ready is not None else ""))
    for what, times in (("channel created", burst.channel),
                        ("every invite DM posted", burst.invites)):
        if times is None:
            continue
        if not times:
            print(f"  /swarm new → {what}: none of {cases}")
            continue
        trips = (f" = {np.percentile(times, 50) / latency_ms * 1000:.1f} / "
                 f"{np.percentile(times, 99) / latency_ms * 1000:.1f} round trips"
                 if latency_ms else "")
        print(f"  /swarm new → {what}: p50 {np.percentile(times, 50):.3f} s, p99 "
              f"{np.percentile(times, 99):.3f} s{trips} ({len(times)}/{cases})")
    if burst.channel is not None and burst.invites is not None:
        ready = [max(c, i) for c, i in zip(burst.channel, burst.invites, strict=False)]
        if ready:
            print(f"  /swarm new → channel created and every invite DM sent: p50 "
                  f"{np.percentile(ready, 50):.2f} s, p99 {np.percentile(ready, 99):.2f} s")
    sys.stdout.flush()


def against_floor(bot: Burst, floor: Burst, concurrency: int) -> None:
    ratio = np.percentile(bot.acks, 50) / np.percentile(floor.acks, 50)
    ratio99 = np.percentile(bot.acks, 99) / np.percentile(floor.acks, 99)
    cpu = (f", CPU per case until ready {bot.cpu_until_ready / floor.cpu_per_case:.1f}× the "
           "floor's" if bot.cpu_until_ready and floor.cpu_per_case else "")
    print(f"  => {concurrency} client(s): ack p50 {ratio:.1f}× the floor, p99 {ratio99:.1f}×"
          f"{cpu}", flush=True)


if __name__ == "__main__":
    main()

"""A burst under Slack's rate limits: `--cases` sev1 cases declared over `--seconds` (5 invites
each) while the invited experts answer with reactions (about 3 in 4 accept, the rest decline and
the bot invites the next one), against the Slack emulator in strict rate-limit mode and the bot
as deployed — `swarmbot serve` web processes (`--web`) on SQLite or PostgreSQL
(`--database-url`), Slack's request URL taking turns between them.

    .venv/bin/python -m bench.load [--cases 200] [--seconds 60] [--web 1] [--workers 1]
    .venv/bin/python -m bench.load --web 2 --database-url postgresql://postgres@127.0.0.1:55433/bench_load

Reports ack latency, time to channel-ready (the case channel exists and every invite DM decided
for it so far went out), messages lost and duplicated (both must be 0), accepted experts
missing from their channel (must be 0), the share of Web API calls answered 429, and per
method the floor — the calls it needed ÷ the emulator's rate for it (chat.postMessage: its
busiest channel's posts ÷ one a second) — beside the time the bot took to make them, and the
ratio; and how many refreshes (topics, edits, reactions, App Homes) went out before the last
case was channel-ready."""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from bench.fleet import Fleet, people
from bot.sandbox.emulator import SlackEmulator
from bot.sandbox.emulator.faults import POST_BURST, POST_WINDOW, TIER_3, TIERS
from models.case import Case, Invite
from models.scheduling import OutboxMessage


@dataclass
class Outcome:
    acks: list[float] = field(default_factory=list)
    ready: list[float] = field(default_factory=list)
    declared: int = 0
    refused: int = 0
    reactions: int = 0
    lost: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    missing_members: list[str] = field(default_factory=list)
    settled_after: float | None = None
    burst: float = 0.0
    calls: Counter[str] = field(default_factory=Counter)
    rate_limited: Counter[str] = field(default_factory=Counter)
    floors: list[Floor] = field(default_factory=list)
    last_ready: float | None = None  # seconds after the first declaration
    refreshes_before: int = 0  # refresh calls made before the last case was channel-ready
    refreshes: int = 0

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicates or self.missing_members or self.refused) \
            and self.settled_after is not None


REFRESHES = frozenset({"conversations.setTopic", "chat.update", "reactions.add",
                       "views.publish"})


@dataclass(frozen=True)
class Floor:
    """One method: the calls it needed (not answered 429), the least time the emulator's rate
    lets them take, and the time the bot took (first declaration → its last such call)."""

    method: str
    needed: int
    floor: float
    taken: float

    @property
    def ratio(self) -> float:
        return self.taken / self.floor if self.floor > 0 else float("nan")


def floors(calls: list[dict], began: float) -> list[Floor]:
    needed: Counter[str] = Counter()
    per_channel: Counter[str] = Counter()
    last: dict[str, float] = {}
    for call in calls:
        if call["status"] == 429:
            continue
        method = call["method"]
        needed[method] += 1
        last[method] = max(last.get(method, began), call["at"])
        if method == "chat.postMessage":
            per_channel[str(call["params"].get("channel"))] += 1
    found = []
    for method, count in needed.items():
        if method == "chat.postMessage":
            floor = max(per_channel.values()) * POST_WINDOW / POST_BURST
        else:
            floor = count * 60.0 / TIERS.get(method, TIER_3)
        found.append(Floor(method, count, floor, last[method] - began))
    return sorted(found, key=lambda f: -f.floor)


def accepts(user: str, ts: str) -> bool:
    """About three invites in four are accepted; which ones is fixed by the message."""
    return hashlib.sha256(f"{user}:{ts}".encode()).digest()[0] % 4 != 0


class Reactor:
    """The invited experts: each invite DM gets one answer, soon after it arrives."""

    def __init__(self, emulator: SlackEmulator, users: dict[str, str]) -> None:
        self.emulator, self.users = emulator, users
        self.answered: set[tuple[str, str]] = set()
        self.failed: list[str] = []
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="reactor")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Reactor:
        self._thread.start()
        return self

    def unanswered(self) -> int:
        return sum(1 for user in self.users.values() for m in self._invites(user)
                   if (user, m["ts"]) not in self.answered)

    def _invites(self, user: str) -> list[dict]:
        return [m for m in self.emulator.dm_messages(user)
                if (m.get("text") or "").startswith("Swarm invite")]

    def _run(self) -> None:
        while not self._stop.is_set():
            for user in self.users.values():
                for message in self._invites(user):
                    if (user, message["ts"]) not in self.answered:
                        self.answered.add((user, message["ts"]))
                        self._pool.submit(self._answer, user, message)
            time.sleep(0.2)

    def _answer(self, user: str, message: dict) -> None:
        name = "white_check_mark" if accepts(user, message["ts"]) else "x"
        result = self.emulator.react(user, message["channel"], message["ts"], name)
        if not result.ok:
            self.failed.append(f"{user} {name} on {message['ts']}: {result.attempts}")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=True)


def burst(emulator: SlackEmulator, fleet: Fleet, users: dict[str, str], general: str, *,
          cases: int, seconds: float, timeout: float) -> Outcome:
    outcome = Outcome()
    everyone = list(users.values())
    sent_at: dict[int, float] = {}
    lock = threading.Lock()
    reactor = Reactor(emulator, users).start()
    ready_at: dict[int, float] = {}

    def declare(n: int) -> None:
        user = everyone[n % len(everyone)]
        started = time.perf_counter()
        result = emulator.slash_command(user, "/swarm", f"new Checkout burst {n} failing sev1 "
                                        "service:checkout", channel=general)
        text = (result.body or {}).get("text", "") if isinstance(result.body, dict) else ""
        with lock:
            outcome.acks.append(result.elapsed)
            if result.status == 200 and "declared" in text:
                sent_at[int(text.split("#", 1)[1][:4])] = started
            else:
                outcome.refused += 1

    def watch_ready() -> None:
        while len(ready_at) < cases and not done.is_set():
            now = time.perf_counter()
            with fleet.services.uow().reading() as uow:  # never holds the bot's writer
                waiting = set(uow.session.scalars(select(Invite.case_id).where(
                    Invite.message_ts.is_(None), Invite.state == "pending")))
                with_channel = set(uow.session.scalars(select(Case.id).where(
                    Case.channel_id.is_not(None))))
            with lock:
                for number in sent_at:
                    if number not in ready_at and number in with_channel \
                            and number not in waiting:
                        ready_at[number] = now
            time.sleep(0.1)

    done = threading.Event()
    watcher = threading.Thread(target=watch_ready, daemon=True)
    watcher.start()
    began, began_wall = time.perf_counter(), time.time()
    with ThreadPoolExecutor(max_workers=16, thread_name_prefix="declare") as pool:
        for n in range(cases):  # one every seconds/cases, whatever the acks take
            delay = began + n * seconds / cases - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(declare, n)
    outcome.burst = time.perf_counter() - began
    outcome.declared = len(sent_at)

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _pending(fleet) == 0 and reactor.unanswered() == 0 and len(ready_at) >= len(sent_at):
            time.sleep(1.0)  # the last reactions' effects, recorded after they were answered
            if _pending(fleet) == 0 and reactor.unanswered() == 0:
                outcome.settled_after = time.perf_counter() - began
                break
        time.sleep(0.5)
    done.set()
    reactor.stop()
    watcher.join(timeout=5)
    outcome.ready = [ready_at[n] - sent_at[n] for n in sent_at if n in ready_at]
    outcome.reactions = len(reactor.answered)
    outcome.lost.extend(reactor.failed)
    audit(emulator, fleet, outcome, ready=set(ready_at), declared=set(sent_at))
    calls = emulator.calls()
    outcome.floors = floors(calls, began_wall)
    if ready_at:
        outcome.last_ready = max(ready_at.values()) - began
        last_ready_wall = began_wall + outcome.last_ready
        done = [c for c in calls if c["status"] != 429 and c["method"] in REFRESHES]
        outcome.refreshes = len(done)
        outcome.refreshes_before = sum(1 for c in done if c["at"] < last_ready_wall)
    return outcome


def _pending(fleet: Fleet) -> int:
    with fleet.services.uow().reading() as uow:
        return uow.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.state == "pending")) or 0


@dataclass(frozen=True)
class _Case:
    reference: str
    channel_id: str | None


@dataclass(frozen=True)
class _Invite:
    case_id: int
    expert_id: str
    state: str


def audit(emulator: SlackEmulator, fleet: Fleet, outcome: Outcome, *, ready: set[int],
          declared: set[int]) -> None:
    """What Slack shows against what the bot decided: nothing lost, nothing twice."""
    with fleet.services.uow() as uow:
        failed = uow.session.execute(select(OutboxMessage.kind, OutboxMessage.last_error).where(
            OutboxMessage.state != "done")).all()
        cases = {c.id: _Case(c.reference, c.channel_id) for c in uow.session.scalars(select(Case))}
        invites = [_Invite(i.case_id, i.expert_id, i.state)
                   for i in uow.session.scalars(select(Invite))]
    outcome.lost.extend(f"effect {kind} not delivered: {error}" for kind, error in failed)
    outcome.lost.extend(f"case {n} never channel-ready" for n in sorted(declared - ready))
    channels = [c for c in emulator.channels() if c["name"].startswith("swarm-")]
    names = Counter(c["name"][:10] for c in channels)
    outcome.duplicates.extend(f"{count} channels for {name}" for name, count in names.items()
                              if count > 1)
    for case in cases.values():
        if not case.channel_id:
            outcome.lost.append(f"case {case.reference} has no channel")
            continue
        messages = emulator.messages(case.channel_id)
        markers = Counter(str((m.get("metadata") or {}).get("event_payload", {}).get("key"))
                          for m in messages if (m.get("metadata") or {}).get("event_payload"))
        outcome.duplicates.extend(f"case {case.reference}: {key} posted {count} times"
                                  for key, count in markers.items() if count > 1)
        if not any(key.startswith("post_summary") for key in markers):
            outcome.lost.append(f"case {case.reference}: no summary in its channel")
    members = {c["id"]: set(c["members"]) for c in channels}
    dms: dict[str, list[dict]] = {}
    for invite in invites:
        if invite.expert_id not in dms:
            dms[invite.expert_id] = [m for m in emulator.dm_messages(invite.expert_id)
                                     if (m.get("text") or "").startswith("Swarm invite")]
        reference = cases[invite.case_id].reference
        posted = [m for m in dms[invite.expert_id] if f"Swarm invite: {reference} " in m["text"]]
        if len(posted) > 1:
            outcome.duplicates.append(
                f"{len(posted)} invites to {invite.expert_id} for {reference}")
        if invite.state != "held" and not posted:
            outcome.lost.append(f"invite to {invite.expert_id} for {reference} never sent")
        channel = cases[invite.case_id].channel_id
        if invite.state == "accepted" and invite.expert_id not in members.get(channel or "", ()):
            outcome.missing_members.append(f"{invite.expert_id} accepted {reference}, not in it")
    for call in emulator.calls():
        outcome.calls[call["method"]] += 1
        if call["status"] == 429:
            outcome.rate_limited[call["method"]] += 1


def report(outcome: Outcome, *, cases: int, seconds: float, web: int, backend: str) -> str:
    lines = [f"{cases} sev1 cases declared over {seconds:g} s ({outcome.burst:.1f} s), "
             f"{web} web process(es) on {backend}, emulator in strict rate-limit mode"]
    if outcome.acks:
        lines.append(f"ack latency: p50 {np.percentile(outcome.acks, 50) * 1000:.0f} ms, p99 "
                     f"{np.percentile(outcome.acks, 99) * 1000:.0f} ms, max "
                     f"{max(outcome.acks) * 1000:.0f} ms; {outcome.refused} not declared")
    if outcome.ready:
        lines.append(f"/swarm new → channel-ready (channel created, invite DMs sent): p50 "
                     f"{np.percentile(outcome.ready, 50):.1f} s, p99 "
                     f"{np.percentile(outcome.ready, 99):.1f} s, max {max(outcome.ready):.1f} s "
                     f"({len(outcome.ready)}/{outcome.declared} ready)")
    lines.append(f"reactions answered: {outcome.reactions}; everything delivered "
                 + (f"{outcome.settled_after:.0f} s after the first declaration"
                    if outcome.settled_after is not None else "NOT within the timeout"))
    total, limited = sum(outcome.calls.values()), sum(outcome.rate_limited.values())
    lines.append(f"Slack calls: {total}, answered 429: {limited} "
                 f"({limited / max(1, total):.1%}; "
                 f"{', '.join(f'{m} {n}' for m, n in outcome.rate_limited.most_common(5))})")
    if outcome.last_ready is not None:
        lines.append(f"last case channel-ready {outcome.last_ready:.0f} s after the first "
                     f"declaration; refreshes before it: {outcome.refreshes_before} of "
                     f"{outcome.refreshes}")
    if outcome.floors:
        lines.append("per method: calls needed, floor (calls ÷ rate), time taken, ratio")
        lines.extend(f"  {f.method:<24} {f.needed:>5} {f.floor:>7.0f} s {f.taken:>7.0f} s "
                     f"{f.ratio:>6.2f}" for f in outcome.floors if f.floor >= 1)
    for label, found in (("messages lost", outcome.lost), ("duplicates", outcome.duplicates),
                         ("accepted experts not in their channel", outcome.missing_members)):
        lines.append(f"{label}: {len(found)}" + "".join(f"\n  {item}" for item in found[:10]))
    return "\n".join(lines)


def run(*, cases: int, seconds: float, web: int, database_url: str | None, folder: Path,
        timeout: float, invites: int = 5, workers: int = 1) -> Outcome:
    emulator = SlackEmulator(signing_secret=secrets.token_hex(16),
                             bot_token="xoxb-load-" + secrets.token_hex(8)).start()
    try:
        emulator.strict = True
        users = people(emulator)
        general = emulator.add_channel("general", members=list(users.values()))
        incidents = emulator.add_channel("incidents")
        url = database_url or f"sqlite:///{folder}/load.sqlite3"
        env = {"SWARMBOT_INVITE_COUNT": str(invites), "SWARMBOT_STAKEHOLDER_CHANNEL": incidents,
               "SWARMBOT_SLACK_BUDGET": os.environ.get("SWARMBOT_SLACK_BUDGET", "1"),
               # every expert may be in all of the burst's swarms: 5 invites for each case
               "SWARMBOT_MAX_OPEN_SWARMS": str(cases + 1)}
        with Fleet(emulator, url, users, web=web, workers=workers, folder=folder,
                   env=env) as fleet:
            return burst(emulator, fleet, users, general, cases=cases, seconds=seconds,
                         timeout=timeout)
    finally:
        emulator.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--web", type=int, default=1, help="swarmbot serve processes")
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes of each (WEB_CONCURRENCY)")
    parser.add_argument("--database-url", help="default: a new SQLite file")
    parser.add_argument("--timeout", type=float, default=3600,
                        help="give up waiting for delivery after this long")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        outcome = run(cases=args.cases, seconds=args.seconds, web=args.web,
                      workers=args.workers, database_url=args.database_url,
                      folder=Path(folder), timeout=args.timeout)
    backend = "PostgreSQL" if (args.database_url or "").startswith("postgres") else "SQLite"
    print(report(outcome, cases=args.cases, seconds=args.seconds, web=args.web, backend=backend))
    return 0 if outcome.clean else 1


if __name__ == "__main__":
    sys.exit(main())

"""`swarmbot demo`: scripted scenarios played in the sandbox — Parcelly's people act through
the Slack emulator (signed requests to the production bot, as in `make run`), and a
transcript of what appeared in channels and DMs is printed. Exit 0 when every step saw its
outcome, 1 when one did not.

A scenario is a list of steps; a step acts as people and then waits for what a person would
see (a message, a member, a reaction answered). Adding a scenario is writing one function
that returns its steps and naming it in SCENARIOS."""

from __future__ import annotations

import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.sandbox.console import plain
from bot.sandbox.emulator import SlackEmulator
from bot.sandbox.invites import invite_dms
from bot.sandbox.run import Sandbox, start_sandbox
from bot.sandbox.seed import company_for
from bot.sandbox.web.emoji_names import character

_EMOJI = re.compile(r":([a-z0-9_+\-]+):")

WAIT = 15.0  # seconds a step waits for the bot before it counts as not happened


class StepFailed(AssertionError):
    """A step's outcome did not appear."""


class FastClock:
    """The bot's clock: real time plus whatever the demo skipped ahead, so SLAs of minutes
    and hours pass in an instant while retries and deliveries keep their real pace."""

    def __init__(self) -> None:
        self._skipped = timedelta()
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._skipped

    def skip(self, delta: timedelta) -> None:
        with self._lock:
            self._skipped += delta


@dataclass
class Stage:
    """What a step works with: the running sandbox, its clock, the transcript, and what
    earlier steps found (the case channel, who was invited)."""
    sandbox: Sandbox
    clock: FastClock
    transcript: Transcript
    patience: float = WAIT
    found: dict[str, Any] = field(default_factory=dict)

    @property
    def emu(self) -> SlackEmulator:
        return self.sandbox.emulator

    def user(self, handle: str) -> str:
        return self.sandbox.users[self.part(handle)]

    def part(self, handle: str) -> str:
        """Who plays a Parcelly person's part in this company (themselves in Parcelly)."""
        return (self.sandbox.company.cast or {}).get(handle, handle)

    def t(self, text: str) -> str:
        """What the scenario types or looks for, in the company's language."""
        return JAPANESE.get(text, text) if self.sandbox.company.language == "ja" else text

    def handle(self, user_id: str) -> str:
        return next((h for h, u in self.sandbox.users.items() if u == user_id), user_id)

    # -- acting ------------------------------------------------------------------------------
    def command(self, handle: str, text: str, channel: str) -> None:
        name = self.transcript.channel_label(channel)
        self.transcript.action(f"@{self.part(handle)} in {name}: /swarm {text}")
        result = self.emu.slash_command(self.user(handle), "/swarm", text, channel=channel)
        if result.status != 200:
            raise StepFailed(f"the bot answered /swarm {text} with HTTP {result.status}")

    def react(self, handle: str, message: dict[str, Any], emoji: str) -> None:
        self.transcript.action(f"@{handle} reacts :{emoji}: to the invite")
        self.emu.react(self.user(handle), message["channel"], message["ts"], emoji)

    def skip(self, **delta: float) -> None:
        """Move the bot's clock ahead and fire what came due (what the clock process does)."""
        from bot.services.timers import fire_due_timers

        self.clock.skip(timedelta(**delta))
        self.transcript.action(f"⏩ {_duration(timedelta(**delta))} later")
        fire_due_timers(self.sandbox.container.services)

    # -- waiting for what people see -----------------------------------------------------------
    def wait(self, condition: Callable[[], Any], what: str) -> Any:
        try:
            return self.emu.wait_for(condition, timeout=self.patience, message=what)
        except AssertionError as error:
            raise StepFailed(f"{what}: not seen within {self.patience:.0f}s") from error

    def said(self, channel: str, *parts: str) -> dict[str, Any]:
        label = self.transcript.channel_label(channel)
        return self.wait(lambda: next((m for m in self.emu.messages(channel)
                                       if all(p in _full_text(m) for p in parts)), None),
                         f"a message in {label} saying {' … '.join(parts)}")

    def told(self, handle: str, *parts: str) -> dict[str, Any]:
        """An ephemeral answer shown only to `handle`."""
        return self.wait(lambda: next((e for e in reversed(self.emu.ephemerals(self.user(handle)))
                                       if all(p in _full_text(e) for p in parts)), None),
                         f"an answer to @{handle} saying {' … '.join(parts)}")

    def case_channel(self, number: int) -> dict[str, Any]:
        prefix = f"swarm-{number:04d}-"
        return self.wait(lambda: next((c for c in self.emu.channels()
                                       if c["name"].startswith(prefix)), None),
                         f"a channel #{prefix}…")

    def invites(self, reference: str) -> list[tuple[str, dict[str, Any]]]:
        """(handle, DM message) of every swarm invite for case `reference` so far."""
        return [(handle, m) for handle, user in self.sandbox.users.items()
                for m in invite_dms(self.sandbox.container.services, self.emu, user, reference)]


@dataclass(frozen=True)
class Step:
    title: str
    play: Callable[[Stage], None]


# -- the scenarios ---------------------------------------------------------------------------
TITLE = "Checkout latency over 3s"
INVOICES = "Customer cannot download invoices"
# What the scenarios type and look for, as はなまる商店's people and swarmbot say it in
# Japanese (`swarmbot demo --locale ja`); the catalog's words, bot/i18n/locale/ja.
JAPANESE = {
    TITLE: "決済画面の応答が3秒を超える",
    INVOICES: "お客様が請求書をダウンロードできない",
    "Case #0001 declared; you own it": "案件 #0001 を宣言しました。担当者はあなたです",
    "Recommended experts, invited now": "おすすめの専門家を招待しました",
    "accepted the invite and joined": "が招待を承諾し、スウォームに参加しました",
    "declined": "辞退済み",
    "Rolled back checkout-svc 4.2; p95 latency back under 1s":
        "checkout-svc 4.2 を切り戻し、p95 レイテンシは 1 秒未満に戻った",
    "Status update": "状況報告",
    "Bad deploy of checkout-svc 4.2 (N+1 query on cart totals); rolled back":
        "checkout-svc 4.2 のデプロイ不良（カート合計の N+1 クエリ）。切り戻した",
    "Case #0001 resolved": "案件 #0001 は解決しました",
    "Placed at L1": "L1 に配置",
    "Regenerated the PDF, still a 404": "PDF を再生成したが、まだ 404",
    "still a 404": "まだ 404",
    "L1's response SLA": "L1 の応答 SLA",
    "runs out in": "で切れます",
    "Escalated L1 → L2": "L1 → L2 にエスカレーション",
    "is at L2": "は現在 L2 です",
    "Escalated L2 → L3": "L2 → L3 にエスカレーション",
    "is at L3": "は現在 L3 です",
    "acknowledged the case at L3": "L3 で案件に応答しました",
    "Invoice links pointed at the old bucket; fixed":
        "請求書のリンクが古いバケットを指していた。修正済み",
    "resolved": "解決",
    "old bucket": "古いバケット",
}

def sev1_swarm() -> list[Step]:
    """A sev1 incident swarmed and resolved: declared, channel, experts invited, one accepts
    by reaction, one declines, a status update, resolved with a summary."""
    def declare(s: Stage) -> None:
        s.command("maya", f"new {s.t(TITLE)} sev1 service:checkout",
                  s.sandbox.channels["general"])
        s.told("maya", s.t("Case #0001 declared; you own it"))

    def channel(s: Stage) -> None:
        case = s.case_channel(1)
        s.found["case"] = case["id"]
        s.wait(lambda: s.user("maya") in s.emu.channel(case["id"])["members"],
               "the owner @maya in the case channel")
        s.said(case["id"], f"#0001 {s.t(TITLE)}")

    def invited(s: Stage) -> None:
        s.said(s.found["case"], s.t("Recommended experts, invited now"))
        invites = s.wait(lambda: len(s.invites("#0001")) >= 2 and s.invites("#0001"),
                         "swarm invites to at least two experts by DM")
        s.found["invites"] = invites

    def accept(s: Stage) -> None:
        handle, invite = s.found["invites"][0]
        s.react(handle, invite, "white_check_mark")
        s.wait(lambda: s.user(handle) in s.emu.channel(s.found["case"])["members"],
               f"@{handle} added to the case channel")
        s.said(s.found["case"], f"<@{s.user(handle)}>", s.t("accepted the invite and joined"))

    def decline(s: Stage) -> None:
        handle, invite = s.found["invites"][1]
        s.react(handle, invite, "x")
        s.wait(lambda: s.t("declined") in _full_text(next(
            m for m in s.emu.dm_messages(s.user(handle)) if m["ts"] == invite["ts"])),
            f"the invite to @{handle} marked declined")

    def status(s: Stage) -> None:
        update = s.t("Rolled back checkout-svc 4.2; p95 latency back under 1s")
        s.command("maya", f"status {update}", s.found["case"])
        s.said(s.found["case"], s.t("Status update"), update)
        s.said(s.sandbox.channels["incidents"], "#0001", update)

    def resolve(s: Stage) -> None:
        summary = s.t("Bad deploy of checkout-svc 4.2 (N+1 query on cart totals); rolled back")
        s.command("maya", f"resolve {summary}", s.found["case"])
        s.said(s.found["case"], s.t("Case #0001 resolved"), summary)

    return [Step("maya declares a sev1 incident", declare),
            Step("its channel is created with the owner in it", channel),
            Step("recommended experts are invited", invited),
            Step("one expert accepts with a reaction", accept),
            Step("another declines", decline),
            Step("the owner posts a status update", status),
            Step("the owner resolves it with a summary", resolve)]


def sev4_tiers() -> list[Step]:
    """A sev4 ticket walking up the escalation levels on a fast clock: placed at L1, an SLA
    warning, escalated L1 → L2 → L3 with hand-off DMs, acknowledged at L3, resolved."""
    def declare(s: Stage) -> None:
        number = 1 + _cases_before(s)
        s.command("olivia", f"new {s.t(INVOICES)} sev4 service:orders",
                  s.sandbox.channels["general"])
        s.found["case"] = s.case_channel(number)["id"]
        s.said(s.found["case"], s.t("Placed at L1"))

    def update(s: Stage) -> None:
        s.command("olivia", "status " + s.t("Regenerated the PDF, still a 404"), s.found["case"])
        s.said(s.found["case"], s.t("Status update"), s.t("still a 404"))

    def warned(s: Stage) -> None:
        s.skip(minutes=12)
        s.said(s.found["case"], s.t("L1's response SLA"), s.t("runs out in"))

    def escalated(s: Stage) -> None:
        s.skip(minutes=3)
        message = s.said(s.found["case"], s.t("Escalated L1 → L2"))
        s.found["l2"] = s.handle(next(iter(_mentions(message, exclude=s.user("olivia"))), ""))
        if s.found["l2"] not in s.sandbox.users:
            raise StepFailed("the escalation names no L2 responder")
        s.wait(lambda: any(s.t("is at L2") in (m.get("text") or "")
                           for m in s.emu.dm_messages(s.user(s.found["l2"]))),
               f"a hand-off DM to @{s.found['l2']}")

    def walked_up(s: Stage) -> None:
        s.skip(hours=1)
        s.said(s.found["case"], s.t("Escalated L2 → L3"), "1 h")
        s.wait(lambda: any(s.t("is at L3") in (m.get("text") or "")
                           for m in s.emu.dm_messages(s.user("maya"))),
               f"a hand-off DM to @{s.part('maya')} at L3")

    def acknowledged(s: Stage) -> None:
        s.command("maya", "ack", s.found["case"])
        s.said(s.found["case"], s.t("acknowledged the case at L3"))

    def resolved(s: Stage) -> None:
        s.command("olivia", "resolve " + s.t("Invoice links pointed at the old bucket; fixed"),
                  s.found["case"])
        s.said(s.found["case"], s.t("resolved"), s.t("old bucket"))

    return [Step("olivia opens a sev4 ticket", declare),
            Step("she notes what she tried", update),
            Step("12 minutes pass: the L1 response SLA is about to run out", warned),
            Step("3 more minutes: escalated to L2, with a hand-off", escalated),
            Step("an hour with no answer at L2: escalated to L3", walked_up),
            Step("an L3 responder acknowledges", acknowledged),
            Step("olivia resolves it", resolved)]


SCENARIOS: dict[str, Callable[[], list[Step]]] = {"swarm": sev1_swarm, "tiers": sev4_tiers}


# -- playing and printing ------------------------------------------------------------------
def run_demo(scenarios: list[str] | None = None, *, out: Callable[[str], None] = print,
             patience: float = WAIT, prepare: Callable[[Sandbox], None] | None = None,
             locale: str | None = None) -> int:
    """Play `scenarios` (default: all, in order) in a fresh sandbox; 0 if every step happened.
    `patience`: seconds a step waits for its outcome; `prepare`: called with the sandbox
    before the first step (to inject a Slack fault, say); `locale`: `ja` plays it at
    はなまる商店, in Japanese."""
    company = company_for(locale)
    names = scenarios or list(SCENARIOS)
    with tempfile.TemporaryDirectory(prefix="swarmbot-demo-") as tmp:
        where = Path(tmp)
        clock = FastClock()
        out(f"Starting the sandbox (SQLite, a model trained on {company.name}'s history, the "
            "Slack emulator)…")
        sandbox = start_sandbox(database_url=f"sqlite:///{where}/demo.sqlite3",
                                model_path=where / "model.joblib", page_port=None,
                                clock=clock, timers=False, company=company)
        try:
            if prepare is not None:
                prepare(sandbox)
            transcript = Transcript(sandbox, out)
            for name in names:
                stage = Stage(sandbox, clock, transcript, patience)
                steps = SCENARIOS[name]()
                out(f"\n=== {name}: {(SCENARIOS[name].__doc__ or '').split(':')[0].strip()}")
                for number, step in enumerate(steps, 1):
                    out(f"\n--- {number}. {step.title}")
                    try:
                        step.play(stage)
                    except (StepFailed, AssertionError, LookupError) as error:
                        transcript.catch_up()
                        out(f"\n✗ FAILED at {name} step {number} ({step.title}): {error}")
                        return 1
                    transcript.catch_up()  # what the step's outcome came with
                transcript.settle()
                out(f"\n✓ {name}: all {len(steps)} steps happened")
        finally:
            sandbox.stop()
    out("\nDemo finished: every step happened. Try it yourself with `make run`.")
    return 0


class Transcript:
    """Prints what appeared since last time: channel and DM messages, edits of earlier ones
    (an invite marked accepted), and answers only one person sees."""

    def __init__(self, sandbox: Sandbox, out: Callable[[str], None]) -> None:
        self.sandbox, self.out = sandbox, out
        self.names = {u: h for h, u in sandbox.users.items()}
        self.names[sandbox.emulator.bot_user_id] = "swarmbot"
        self._shown: dict[tuple[str, str], str] = {}
        self._ephemerals = 0
        self.catch_up(quiet=True)

    def action(self, text: str) -> None:
        self.catch_up()
        self.out(f"  » {text}")

    def channel_label(self, channel_id: str) -> str:
        channel = self.sandbox.emulator.channel(channel_id)
        if channel["is_im"]:
            return f"DM swarmbot → @{self.names.get(channel['im_user'], channel['im_user'])}"
        return f"#{channel['name']}"

    def settle(self, quiet_for: float = 0.6, at_most: float = 5.0) -> None:
        """Wait until nothing new appeared for `quiet_for` seconds, then print it."""
        deadline, last, since = time.monotonic() + at_most, None, time.monotonic()
        while time.monotonic() < deadline:
            now = self._fingerprint()
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet_for:
                break
            time.sleep(0.1)
        self.catch_up()

    def _fingerprint(self) -> int:
        snapshot = self.sandbox.emulator.snapshot()
        return hash(repr([(c["id"], c["messages"]) for c in snapshot["channels"]])
                    + repr(len(snapshot["ephemerals"])))

    def catch_up(self, *, quiet: bool = False) -> None:
        snapshot = self.sandbox.emulator.snapshot()
        channels = {c["id"]: c["name"] for c in snapshot["channels"] if not c["is_im"]}
        for channel in snapshot["channels"]:
            for message in channel["messages"]:
                key = (channel["id"], message["ts"])
                text = plain(message, self.names, channels)
                before = self._shown.get(key)
                self._shown[key] = text
                if quiet or before == text:
                    continue
                who = self.names.get(message.get("user", ""), "swarmbot")
                if before is not None:  # an edit: the lines that changed
                    old = set(before.splitlines())
                    text = "\n".join(line for line in text.splitlines() if line not in old)
                edited = " (edited)" if before is not None else ""
                self.out(_show(f"[{self.channel_label(channel['id'])}] {who}{edited}: {text}"))
        ephemerals = snapshot["ephemerals"][self._ephemerals:]
        self._ephemerals = len(snapshot["ephemerals"])
        for message in [] if quiet else ephemerals:
            self.out(_show(f"[only @{self.names.get(message['user'], message['user'])} sees] "
                           f"{plain(message, self.names, channels)}"))


MAX_LINES = 10


def _show(text: str) -> str:
    """A transcript entry: emoji as emoji, *bold* and _italic_ marks dropped, indented, long
    ones cut."""
    text = _EMOJI.sub(lambda m: character(m[1]) or m[0], text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"\1", text)
    lines = text.splitlines() or [""]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES - 1] + [f"… ({len(lines) - MAX_LINES + 1} more lines)"]
    return "\n".join(["  " + lines[0]] + ["      " + line for line in lines[1:]])


def _full_text(message: dict[str, Any]) -> str:
    """A message's fallback text and its blocks' text, as raw mrkdwn."""
    return (message.get("text") or "") + " " + repr(message.get("blocks") or "")


def _mentions(message: dict[str, Any], *, exclude: str) -> list[str]:
    found = re.findall(r"<@([UW][A-Z0-9]+)", _full_text(message))
    return [u for u in dict.fromkeys(found) if u != exclude]


def _cases_before(s: Stage) -> int:
    return sum(1 for c in s.emu.channels() if c["name"].startswith("swarm-"))


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"

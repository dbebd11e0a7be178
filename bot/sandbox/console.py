"""A console for the sandbox: type as one of Parcelly's people and watch what the bot does.

    maya: /swarm new Checkout latency over 3s sev1 service:checkout
    tom: react white_check_mark          (answers tom's newest swarm invite)
    maya #swarm-0001-checkout-latency-over-3s: /swarm status Rolled back
    show #swarm-0001-checkout-latency-over-3s
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from bot.sandbox.emulator import SlackEmulator, SlackError
from bot.sandbox.invites import invite_dms
from bot.services.context import ServiceContext

_LINE = re.compile(r"^(?P<who>[a-z]+)(?:\s+#(?P<channel>[\w\-]+))?\s*:\s*(?P<what>.+)$")
_TOKEN = re.compile(r"<([@#!])([^<>|]+)(?:\|([^<>]*))?>")


def plain(message: dict[str, Any], users: dict[str, str], channels: dict[str, str]) -> str:
    """A message as a person reads it, in plain text: blocks one per line (a header, fields
    side by side, buttons in brackets), <@U…> as @handle and <#C…> as #name."""
    lines = []
    for block in message.get("blocks") or []:
        kind = block.get("type")
        if kind == "rich_text":
            continue  # what a person typed: its text says the same
        if kind == "divider":
            lines.append("—")
        if isinstance(block.get("text"), dict):
            lines.append(block["text"].get("text", ""))
        if block.get("fields"):
            lines.append(" · ".join(f.get("text", "") for f in block["fields"]))
        items = [f"[{e['text']['text']}]" if e.get("type") == "button" else e.get("text", "")
                 for e in block.get("elements") or [] if isinstance(e, dict)]
        if any(isinstance(i, str) and i for i in items):
            lines.append(" ".join(i for i in items if isinstance(i, str)))
    text = "\n".join(line for line in lines if line) or message.get("text") or ""

    def name(match: re.Match[str]) -> str:
        sigil, target, label = match[1], match[2], match[3]
        if sigil == "@":
            return f"@{label or users.get(target, target)}"
        if sigil == "#":
            return f"#{label or channels.get(target, target)}"
        return f"@{label or target}"

    return _TOKEN.sub(name, text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class Console:
    def __init__(self, emulator: SlackEmulator, users: dict[str, str], home: str,
                 services: ServiceContext, out: Callable[[str], None] = print) -> None:
        """`services`: the bot's, to find which DMs are invites (bot/sandbox/invites.py)."""
        self.emu, self.users, self.home, self.out = emulator, users, home, out
        self.services = services
        self.names = {v: k for k, v in users.items()}
        self._seen: dict[str, int] = {}
        self._seen_ephemeral = 0
        self.catch_up(quiet=True)

    def handle(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        if line.startswith("show "):
            self._show(line[5:].strip().lstrip("#"))
            return
        match = _LINE.match(line)
        if not match or match["who"] not in self.users:
            self.out(f"? say `<person>: /swarm …` with one of: {', '.join(self.users)}")
            return
        user, what = self.users[match["who"]], match["what"].strip()
        try:
            channel = self.emu.channel(match["channel"])["id"] if match["channel"] else self.home
            if what.startswith("/swarm"):
                self.emu.slash_command(user, "/swarm", what[len("/swarm"):].strip(),
                                       channel=channel)
            elif what.startswith("react "):
                self._react(user, what[6:].strip().strip(":"))
            else:
                self.emu.send_message(user, channel, what)
        except (SlackError, AssertionError) as error:
            self.out(f"! {error}")
        time.sleep(1.0)  # let the bot deliver what the command set off
        self.catch_up()

    def _react(self, user: str, emoji: str) -> None:
        invites = invite_dms(self.services, self.emu, user)
        if not invites:
            self.out("! no swarm invite to react to")
            return
        self.emu.react(user, invites[-1]["channel"], invites[-1]["ts"], emoji)

    def _show(self, name: str) -> None:
        try:
            channel = self.emu.channel(name)
        except SlackError:
            self.out(f"! no channel #{name}")
            return
        self.out(f"#{channel['name']} — topic: {channel['topic'] or '—'}; members: "
                 + ", ".join(self.names.get(m, m) for m in channel["members"]))
        for message in channel["messages"]:
            self.out(f"  {self.names.get(message.get('user', ''), 'swarmbot')}: "
                     f"{self._plain(message)}")

    def catch_up(self, *, quiet: bool = False) -> None:
        """Print what appeared since last time: messages, DMs, and ephemeral answers."""
        snapshot = self.emu.snapshot()
        for channel in snapshot["channels"]:
            new = channel["messages"][self._seen.get(channel["id"], 0):]
            self._seen[channel["id"]] = len(channel["messages"])
            where = (f"DM to {self.names.get(channel['name'], channel['name'])}" if channel["is_im"]
                     else f"#{channel['name']}")
            for message in [] if quiet else new:
                self.out(f"[{where}] {self._plain(message)}")
        ephemerals = snapshot["ephemerals"][self._seen_ephemeral:]
        self._seen_ephemeral = len(snapshot["ephemerals"])
        for message in [] if quiet else ephemerals:
            self.out(f"[only {self.names.get(message['user'], message['user'])} sees] "
                     f"{self._plain(message)}")

    def _plain(self, message: dict[str, Any]) -> str:
        channels = {c["id"]: c["name"] for c in self.emu.channels()}
        return plain(message, self.names, channels)

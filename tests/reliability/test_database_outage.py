"""The database briefly unavailable: another process holds SQLite's write lock (a backup, a
migration, a second process) while people use the bot. A short lock only delays the answer;
a lock longer than Slack's 3 seconds makes the user see a timeout — the case is still opened
once, the user's retry says so, and every Slack side effect goes out once the lock is gone."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from bot.sandbox.emulator import SlackEmulator
from tests.e2e.conftest import RunningBot, Workspace

pytestmark = pytest.mark.e2e


def _hold_write_lock(database_url: str, seconds: float) -> threading.Thread:
    path = database_url.removeprefix("sqlite:///")
    locked = threading.Event()

    def hold() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        locked.set()
        time.sleep(seconds)
        other.execute("ROLLBACK")
        other.close()

    holder = threading.Thread(target=hold)
    holder.start()
    locked.wait(5)
    return holder


@pytest.mark.slack_deadline(3.0)  # a lock held longer than Slack waits
def test_a_locked_database_delays_but_loses_and_doubles_nothing(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, database_url: str
        ) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's file lock; PostgreSQL has no such thing")
    maya, text = parcelly["maya"], "new Checkout down sev1 service:checkout"

    holder = _hold_write_lock(database_url, 1.0)  # shorter than Slack waits: only slower
    first = emulator.slash_command(maya, "/swarm", "status Looking into it",
                                   channel=parcelly.general)
    holder.join()
    assert first.status == 200 and "case channel" in first.body["text"]

    holder = _hold_write_lock(database_url, 4.5)  # longer than Slack waits
    timed_out = emulator.slash_command(maya, "/swarm", text, channel=parcelly.general)
    assert timed_out.timed_out
    assert "operation_timeout" in emulator.ephemerals(maya)[-1]["text"]
    holder.join()
    bot.settle(timeout=20)
    retry = emulator.slash_command(maya, "/swarm", text, channel=parcelly.general)
    assert "declared this a moment ago" in retry.body["text"]
    bot.settle(timeout=20)
    channels = [c for c in emulator.channels() if c["name"].startswith("swarm-")]
    assert len(channels) == 1 and maya in channels[0]["members"]
    invites = [u for u in parcelly.users.values()
               for m in emulator.dm_messages(u) if "Swarm invite" in (m.get("text") or "")]
    assert len(invites) == 3 and len(set(invites)) == 3
    texts = [m.get("text") or "" for m in emulator.messages(channels[0]["id"])]
    assert sum("Recommended experts" in t for t in texts) == 1


class FlakyProxy:
    """A TCP proxy in front of PostgreSQL that can cut every open connection and refuse new
    ones for a while — the database gone for a moment, as in a failover."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = False
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            server = socket.create_connection(self.target)
            with self.lock:
                self.open += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.close()

    def cut(self) -> None:
        self.down = True
        with self.lock:
            for end in self.open:
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
            self.open.clear()

    def restore(self) -> None:
        self.down = False

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.fixture
def proxy() -> Iterator[dict[str, FlakyProxy]]:
    holder: dict[str, FlakyProxy] = {}
    yield holder
    if "pg" in holder:
        holder["pg"].close()


@pytest.fixture
def database_url(database_url: str, proxy: dict[str, FlakyProxy]) -> str:
    """The test database, reached through a proxy the test can cut (PostgreSQL only)."""
    if not database_url.startswith("postgresql"):
        return database_url
    url = make_url(database_url)
    proxy["pg"] = FlakyProxy(url.host or "127.0.0.1", url.port or 5432)
    return url.set(host="127.0.0.1", port=proxy["pg"].port).render_as_string(
        hide_password=False)


def test_postgresql_gone_for_a_moment(emulator: SlackEmulator, bot: RunningBot,
                                      parcelly: Workspace, proxy: dict[str, FlakyProxy]
                                      ) -> None:
    if "pg" not in proxy:
        pytest.skip("PostgreSQL connections refused and cut (TEST_POSTGRES_URL)")
    pg, maya = proxy["pg"], parcelly["maya"]
    emulator.slash_command(maya, "/swarm", "new Checkout down sev1 service:checkout",
                           channel=parcelly.general)
    bot.settle()
    channel = next(c["id"] for c in emulator.channels() if c["name"].startswith("swarm-"))
    expert, invite = next((handle, m) for handle, user in parcelly.users.items()
                          for m in emulator.dm_messages(user)
                          if "Swarm invite" in (m.get("text") or ""))

    pg.cut()  # every connection dropped, new ones refused
    refused = emulator.slash_command(maya, "/swarm", "status Rolling back", channel=channel)
    assert refused.status == 200 and "nothing was changed" in refused.body["text"]
    # A reaction now fails (HTTP 500); Slack retries it, and one retry lands after recovery.
    emulator.retry_delays = (1.0, 2.0, 4.0)
    threading.Timer(1.5, pg.restore).start()
    delivered = emulator.react(parcelly[expert], invite["channel"], invite["ts"],
                               "white_check_mark")
    assert delivered.ok and not delivered.attempts[0].ok, delivered.attempts
    again = emulator.slash_command(maya, "/swarm", "status Rolling back", channel=channel)
    assert "Status update posted" in again.body["text"]
    bot.settle(timeout=20)
    assert parcelly[expert] in emulator.channel(channel)["members"]
    texts = [m.get("text") or "" for m in emulator.messages(channel)]
    assert sum("joined the swarm" in t for t in texts) == 1
    assert sum("Rolling back" in t for t in texts) == 1

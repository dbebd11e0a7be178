"""Whose turn it is to write to a SQLite database: one transaction at a time, across the
threads of a process (a thread lock) and across processes (an exclusive flock of a file next
to the database: several `swarmbot serve` workers, the clock). Waiters wake the moment a turn
ends, never by SQLite's busy handler, which sleeps and polls and so starves some waiters for
seconds under load.

Requests go first: a transaction somebody is waiting for (a slash command, answered within
Slack's 3 seconds) is announced — in this process, and to the others through a shared flock
of a second file — and background work (delivering recorded effects) that comes to the
writer while any request waits lets it go, for up to BACKGROUND_YIELD."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # not on Windows: processes there meet at SQLite's busy timeout
    fcntl = None  # type: ignore[assignment]

# How long background work lets waiting requests go first: what they record is delivered a
# little later, the slash commands are answered without queueing behind it.
BACKGROUND_YIELD = 0.02


class WriterTurns:
    """`take(background=…)` before BEGIN, `give_back()` after COMMIT or ROLLBACK; a thread
    may take again inside its turn (nested, counted)."""

    def __init__(self, database: Path | None) -> None:
        """`database`: the SQLite file (None, in memory: this process's threads only)."""
        self._thread_turn = threading.RLock()
        self._depth = 0  # changed only by the thread holding the turn
        writer = _lock_file(database, "-writer.lock")
        self._process_turn = _File(writer) if writer else None
        self._requests = _Requests(_lock_file(database, "-requests.lock"))

    def take(self, *, background: bool) -> None:
        if background:
            deadline = time.monotonic() + BACKGROUND_YIELD
            while self._requests.waiting() and time.monotonic() < deadline:
                time.sleep(0.001)
            self._take()
        else:
            with self._requests.announced():
                self._take()

    def _take(self) -> None:
        self._thread_turn.acquire()
        try:
            if self._depth == 0 and self._process_turn is not None:
                fcntl.flock(self._process_turn.fd(), fcntl.LOCK_EX)
        except BaseException:
            self._thread_turn.release()
            raise
        self._depth += 1

    def give_back(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._process_turn is not None:
            fcntl.flock(self._process_turn.fd(), fcntl.LOCK_UN)
        self._thread_turn.release()


def _lock_file(database: Path | None, suffix: str) -> Path | None:
    """A lock file next to the database, where processes can lock files (flock)."""
    if database is None or fcntl is None:
        return None
    return database.with_name(database.name + suffix)


class _Requests:
    """How many of this process's requests wait for the writer, and — through a shared flock
    held while any does — whether any other process's do."""

    def __init__(self, path: Path | None) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._announce = _File(path) if path else None
        self._probe = _File(path) if path else None  # a second open file: it sees our own

    @contextmanager
    def announced(self) -> Iterator[None]:
        with self._lock:
            self._count += 1
            if self._count == 1 and self._announce is not None:
                fcntl.flock(self._announce.fd(), fcntl.LOCK_SH)
        try:
            yield
        finally:
            with self._lock:
                self._count -= 1
                if self._count == 0 and self._announce is not None:
                    fcntl.flock(self._announce.fd(), fcntl.LOCK_UN)

    def waiting(self) -> bool:
        if self._count:
            return True
        if self._probe is None:
            return False
        try:
            fcntl.flock(self._probe.fd(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(self._probe.fd(), fcntl.LOCK_UN)
        return False


class _File:
    """A lock file, opened at first use and again in a forked child (a flock belongs to an
    open file: a child sharing its parent's would not be excluded by it)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._file: IO[bytes] | None = None
        self._pid = 0

    def fd(self) -> int:
        if self._file is None or self._pid != os.getpid():
            self._file = open(self._path, "a+b")  # noqa: SIM115 — held for the engine's life
            self._pid = os.getpid()
        return self._file.fileno()

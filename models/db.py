"""Engine and sessions for SQLite (embedded default) and PostgreSQL (production), and
migrations to the newest schema. Nothing connects until a function here is called."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

try:
    import fcntl
except ImportError:  # not on Windows: processes there meet at SQLite's busy timeout
    fcntl = None  # type: ignore[assignment]

MIGRATIONS = Path(__file__).parent / "alembic"


def make_engine(url: str, **kwargs: object) -> Engine:
    """An engine with the pragmas SQLite needs to behave like a server database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        in_file = bool(parsed.database) and parsed.database != ":memory:"
        if in_file:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        _serialise_writers(engine, Path(f"{parsed.database}-writer.lock") if in_file else None)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Let SQLAlchemy control transactions (pysqlite's own BEGIN handling is off).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL never corrupts the database; a power cut may lose the last commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


READ_ONLY = "swarmbot_read_only"  # execution option of a transaction that only reads
BACKGROUND = "swarmbot_background"  # … of one nobody waits for (delivery): requests go first
# How long a background transaction lets waiting requests go first (a slash command is
# answered in Slack's 3 seconds; what it recorded is delivered meanwhile all the same).
BACKGROUND_YIELD = 0.02


def _serialise_writers(engine: Engine, lock_path: Path | None) -> None:
    """One writer at a time, taken at BEGIN (IMMEDIATE: no lock upgrade that fails under
    concurrency). Writers queue on locks that wake the next one the moment a transaction
    ends — threads of this process on a thread lock, processes on the same file (several
    `swarmbot serve` workers, the clock) on an exclusive flock of `lock_path` — instead of
    SQLite's busy handler, which sleeps and polls and so starves some waiters for seconds
    under load. A BACKGROUND transaction (delivery) first lets the process's waiting
    requests go, for up to BACKGROUND_YIELD. A transaction that only reads (READ_ONLY) begins
    DEFERRED and queues for nothing: in WAL mode it reads its snapshot while a writer works."""
    writer = threading.RLock()
    between_processes = _ProcessLock(lock_path) if lock_path is not None else None
    depth = [0]  # nested writers on one thread (RLock) take the process lock once
    requests = _Counter()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # type: ignore[no-untyped-def]
        options = connection.get_execution_options()
        if options.get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
            return
        if options.get(BACKGROUND):
            deadline = time.monotonic() + BACKGROUND_YIELD
            while requests.value and time.monotonic() < deadline:
                time.sleep(0.001)
            writer.acquire()
        else:
            requests.add(1)
            try:
                writer.acquire()
            finally:
                requests.add(-1)
        try:
            if depth[0] == 0 and between_processes is not None:
                between_processes.acquire()
            depth[0] += 1
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _release()
                raise
        except BaseException:
            writer.release()
            raise
        connection.info["writer_lock"] = True

    def _release() -> None:
        depth[0] -= 1
        if depth[0] == 0 and between_processes is not None:
            between_processes.release()

    def _end(connection) -> None:  # type: ignore[no-untyped-def]
        if connection.info.pop("writer_lock", False):
            _release()
            writer.release()

    event.listen(engine, "commit", _end)
    event.listen(engine, "rollback", _end)


class _Counter:
    """A count threads change together."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self, n: int) -> None:
        with self._lock:
            self.value += n


class _ProcessLock:
    """An exclusive flock on a file next to the database, opened at first use and again in a
    forked child (a lock is per open file: a child sharing its parent's would not exclude
    it). Where flock does not exist the processes fall back to SQLite's busy timeout."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._file: Any = None
        self._pid = 0

    def acquire(self) -> None:
        if fcntl is None:
            return
        if self._file is None or self._pid != os.getpid():
            self._file = open(self._path, "a+b")  # noqa: SIM115 — held for the engine's life
            self._pid = os.getpid()
        fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)

    def release(self) -> None:
        if fcntl is not None and self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision` (creating a SQLite file if needed)."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def schema_is_current(url: str) -> bool:
    """True when the database at `url` is migrated to the newest revision."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    return current == set(ScriptDirectory.from_config(alembic_config(url)).get_heads())

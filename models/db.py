"""Engine and sessions for SQLite (embedded default) and PostgreSQL (production), and
migrations to the newest schema. Nothing connects until a function here is called."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "alembic"


def make_engine(url: str, **kwargs: object) -> Engine:
    """An engine with the pragmas SQLite needs to behave like a server database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        _begin_as_writer_or_reader(engine)
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


def _begin_as_writer_or_reader(engine: Engine) -> None:
    """A transaction takes SQLite's one writer at BEGIN (IMMEDIATE: no lock upgrade that
    fails under concurrency), the threads of this process one after the other through a
    thread lock — a waiter wakes the moment the writer is free, where SQLite's busy handler
    sleeps and polls (bench.swarming: without the lock some slash commands missed Slack's
    3 s). One that only reads (READ_ONLY) begins DEFERRED and waits for nobody: in WAL mode
    it reads its snapshot while a writer works. SQLite is the one-machine database: one web
    process (with threads) and the clock; several web processes are what PostgreSQL is for."""
    writer = threading.RLock()  # a thread may begin again inside its turn (counted)

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # type: ignore[no-untyped-def]
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
            return
        writer.acquire()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            writer.release()
            raise
        connection.info["writer_turn"] = True

    def _end(connection) -> None:  # type: ignore[no-untyped-def]
        if connection.info.pop("writer_turn", False):
            writer.release()

    event.listen(engine, "commit", _end)
    event.listen(engine, "rollback", _end)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@contextmanager
def migrating(engine: Engine) -> Iterator[Connection]:
    """A transaction to migrate in. On SQLite its foreign keys are off (switched outside the
    transaction, where the pragma takes effect) and checked before the commit: batch mode
    rebuilds a table by dropping the old one, and with them on, dropping `cases` would
    cascade and delete every case's timeline, invites and participants (SQLite's own
    procedure for changing a table, sqlite.org/lang_altertable.html)."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _raw_pragma(connection, "PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
                if sqlite and (broken := connection.exec_driver_sql(
                        "PRAGMA foreign_key_check").all()):
                    raise RuntimeError(f"the migration left rows without a parent: {broken[:5]}")
        finally:
            if sqlite:
                _raw_pragma(connection, "PRAGMA foreign_keys=ON")


def _raw_pragma(connection: Connection, pragma: str) -> None:
    # On the driver's connection: through SQLAlchemy it would begin a transaction first.
    connection.connection.driver_connection.execute(pragma)  # type: ignore[union-attr]


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision` (creating a SQLite file if needed)."""
    engine = make_engine(url)
    try:
        with migrating(engine) as connection:
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

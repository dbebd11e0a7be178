"""Alembic environment: runs migrations on the connection given by models.db.upgrade, or on
the URL in the config (the `alembic` command line)."""

from alembic import context
from sqlalchemy import pool

from models import Base
from models.db import make_engine, migrating

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: set sqlalchemy.url (swarmbot sets it from "
                           "DATABASE_URL)")
    engine = make_engine(url, poolclass=pool.NullPool)
    with migrating(engine) as connection:
        _run(connection)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # render_as_batch: SQLite can't ALTER most things; batch mode rebuilds tables.
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True)
    context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

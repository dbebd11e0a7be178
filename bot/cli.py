"""`swarmbot` — the console script: serve, clock, sandbox, db, history, model.

Errors a user can fix come out as one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from bot.domain.errors import SwarmbotError

Command = Callable[[argparse.Namespace], int]


def _serve(args: argparse.Namespace) -> int:
    from bot.bootstrap import build
    from bot.config import load_settings
    from bot.web.server import WebServer
    from models.db import upgrade

    settings = load_settings()
    if settings.database_url.startswith("sqlite"):
        upgrade(settings.database_url)  # embedded default: keep the file's schema current
    container = build(settings)
    server = WebServer(container.web_app, host=settings.host, port=settings.port)
    logging.getLogger("swarmbot").info("listening on %s/slack/events", server.url)
    server.serve_forever()
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from models.db import upgrade

    upgrade(load_settings().database_url)
    print("database schema is up to date")
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    from bot.sandbox.run import run_sandbox

    return run_sandbox(port=args.port, database_url=args.database_url)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="swarmbot", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web process (Slack HTTP mode)")
    serve.set_defaults(run=_serve)

    sandbox = commands.add_parser(
        "sandbox", help="run swarmbot on one machine with the built-in Slack emulator")
    sandbox.add_argument("--port", type=int, default=8080, help="web page port (0 = any free)")
    sandbox.add_argument("--database-url", default="sqlite:///var/sandbox.sqlite3")
    sandbox.set_defaults(run=_sandbox)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="migrate DATABASE_URL to the newest schema").set_defaults(
        run=_db_upgrade)

    try:
        from skills_index.cli import add_model_commands
    except ImportError:  # recommender not installed in this build
        pass
    else:
        add_model_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except SwarmbotError as error:
        print(f"swarmbot: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""`swarmbot` — the console script: serve, clock, sandbox, db, history, model, audit, export,
review, outbox.

Errors a user can fix come out as one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.domain.errors import InvalidInput, SwarmbotError
from models.scheduling import OutboxState

Command = Callable[[argparse.Namespace], int]


def _serve(args: argparse.Namespace) -> int:
    _count_across_processes()
    from bot.bootstrap import build
    from bot.config import load_settings
    from bot.domain.errors import ConfigError
    from bot.web.workers import WebWorkers
    from models.db import schema_is_current, upgrade

    settings = load_settings()
    if settings.embedded_database and settings.web_processes > 1:
        raise ConfigError(f"WEB_CONCURRENCY={settings.web_processes}: on SQLite swarmbot serve "
                          "runs one web process (with threads); for several, use PostgreSQL "
                          "(DATABASE_URL=postgresql://…).")
    if settings.embedded_database:
        upgrade(settings.database_url)  # embedded default: keep the file's schema current
    elif not schema_is_current(settings.database_url):
        raise ConfigError("The database schema is not current: run `swarmbot db upgrade` "
                          "(the Procfile's release step) first.")
    # Built once, before the workers fork: a bad setting stops here with its message, and
    # the expert model is loaded now (not in the first slash command's 3 s) into memory
    # the workers share. Each worker then starts its own delivery — what it records goes out
    # at once; the clock's delivery polls every 2 s as the safety net, and leases keep two
    # deliverers off the same case.
    container = build(settings)
    container.model()
    _settle_garbage_collector()

    def open_bot() -> tuple[Any, Callable[[], None]]:
        container.engine.dispose(close=False)  # connections are per process, never shared
        return container.start().web_app, container.close

    WebWorkers(open_bot, host=settings.host, port=settings.port,
               workers=settings.web_processes, log_level=settings.log_level,
               socket_mode=settings.socket_mode).run()
    return 0


def _count_across_processes() -> None:
    """GET /metrics sums the counters of every web process: prometheus_client's
    multiprocess mode, which must be chosen before prometheus_client is first imported —
    a fresh directory each start (one an operator set is used as it is)."""
    import os
    import tempfile

    from bot.web.metrics_env import MULTIPROCESS_ENV

    if not os.environ.get(MULTIPROCESS_ENV):
        os.environ[MULTIPROCESS_ENV] = tempfile.mkdtemp(prefix="swarmbot-metrics-")


def _settle_garbage_collector() -> None:
    """For a long-running process, once it has loaded what it keeps (libraries, the model):
    those objects leave the collector's view (gc.freeze: a forked worker's collections then
    never write to, and so never copy, the memory it shares with its parent), and young
    objects are collected every 20 000 allocations rather than 700, so the ORM objects of
    each request do not set off collections that pause every thread (bench.swarming: ack p99
    and ready p99 lower)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def _clock(args: argparse.Namespace) -> int:
    from apscheduler.schedulers.blocking import BlockingScheduler

    from bot.bootstrap import build
    from bot.config import load_settings
    from bot.jobs.clock import add_clock_jobs
    from bot.services.model import retrain

    # its dispatcher delivers what timers record; Slack's requests go to the web process only
    container = build(load_settings()).start(listen=False)
    _settle_garbage_collector()
    scheduler = BlockingScheduler(timezone="UTC")
    add_clock_jobs(scheduler, container.services,
                   retrain=lambda: retrain(container.services, container.model))
    logging.getLogger("swarmbot").info("clock started: timers every 10 s, retraining daily")
    try:
        scheduler.start()
    finally:
        container.close()
    return 0


@contextmanager
def _offline_services() -> Iterator[Any]:
    """Use cases for a one-off command (no Slack): settings, a migrated database, UTC now."""
    from bot.config import load_settings
    from bot.services.context import ServiceContext
    from models.base import utcnow
    from models.db import make_engine, make_session_factory, upgrade
    from models.uow import UnitOfWork

    settings = load_settings()
    if settings.database_url.startswith("sqlite"):
        upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    try:
        yield ServiceContext(settings=settings, uow=lambda: UnitOfWork(factory), now=utcnow)
    finally:
        engine.dispose()


def _history_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.services.history import import_history

    with _offline_services() as services:
        report = import_history(services, Path(args.file))
    for problem in report.bad_rows[:50]:
        print(f"skipped {problem}", file=sys.stderr)
    if len(report.bad_rows) > 50:
        print(f"... and {len(report.bad_rows) - 50} more bad rows", file=sys.stderr)
    print(f"read {report.read} cases: {report.added} added, {report.already_there} already "
          f"there, {len(report.bad_rows)} bad rows skipped")
    return 0


def _model_train_from_db(args: argparse.Namespace) -> int:
    """`swarmbot model train --from-db`: the same retrain the clock runs nightly. Exit 1 when
    the model in use was kept (the new one failed or did worse)."""
    from bot.services.model import ModelHolder, retrain

    with _offline_services() as services:
        holder = ModelHolder(args.out or services.settings.model_path)
        result = retrain(services, holder)
    tested = result.backtest
    if tested is not None:
        print(f"backtest on the {tested.cases} newest cases the model in use had not seen: "
              f"top-5 {tested.current_top5:.3f} (in use) vs {tested.new_top5:.3f} (retrained)")
    if result.swapped:
        print(f"trained on {result.cases} resolved cases (imported history and swarmbot's "
              f"own) → {holder.path}")
        return 0
    if result.kept_because == "no history":
        raise InvalidInput("No resolved cases in the database yet: import history with "
                           "`swarmbot history import FILE`, or resolve cases with swarmbot.")
    why = ("it does worse on the backtest" if result.kept_because == "worse"
           else f"training failed ({result.error})")
    print(f"swarmbot: kept the model in use at {holder.path}: {why}", file=sys.stderr)
    return 1


def _audit_verify(args: argparse.Namespace) -> int:
    from bot.services.audit import verify_timelines

    with _offline_services() as services:
        report = verify_timelines(services)
    for reference, broken in report.breaks:
        where = ("case record changed" if broken.field else "timeline broken")
        print(f"case {reference}: {where} at event {broken.seq} (id {broken.event_id}): "
              f"{broken.problem}", file=sys.stderr)
    state = "intact" if report.intact else f"BROKEN in {len(report.breaks)} case(s)"
    print(f"audit trail of {report.cases} cases, {report.events} events: {state}")
    return 0 if report.intact else 1


def _export(args: argparse.Namespace) -> int:
    from bot.domain.metrics import parse_period
    from bot.services.export import CASE_FIELDS, EVENT_FIELDS, case_rows, event_rows, write_rows
    from models.base import utcnow

    since, _ = parse_period(args.since, utcnow())
    rows, fields = ((case_rows, CASE_FIELDS) if args.what == "cases"
                    else (event_rows, EVENT_FIELDS))
    with _offline_services() as services:
        if args.out == "-":
            count = write_rows(rows(services, since=since), fields, sys.stdout, args.format)
        else:
            try:
                # opened apart from the `with`: a file that cannot be opened is bad input
                out = open(args.out, "w", encoding="utf-8", newline="")  # noqa: SIM115
            except OSError as error:
                raise InvalidInput(f"cannot write {args.out}: {error.strerror}") from None
            with out:
                count = write_rows(rows(services, since=since), fields, out, args.format)
    print(f"exported {count} {args.what} rows", file=sys.stderr)
    return 0


def _review(args: argparse.Namespace) -> int:
    from bot.services.review import review_markdown

    with _offline_services() as services:
        print(review_markdown(services, args.case), end="")
    return 0


def _outbox_list(args: argparse.Namespace) -> int:
    from bot.delivery.backlog import backlog, listing

    states = tuple(OutboxState) if args.state == "all" else (OutboxState(args.state),)
    with _offline_services() as services, services.uow() as uow:
        summary = backlog(uow, services.now())
        print(f"{summary.pending} pending ({summary.retrying} retrying, oldest "
              f"{summary.oldest_seconds:.0f} s), {summary.failed} failed")
        for m in listing(uow, states=states, limit=args.limit):
            case = f"case {m.case_id}" if m.case_id is not None else "-"
            error = (m.last_error or "").replace("\n", " ")[:120]
            print(f"#{m.id}\t{m.state}\t{m.kind}\t{case}\tattempts {m.attempts}\t"
                  f"next {m.scheduled_at:%Y-%m-%d %H:%M:%S}\t{error}")
    return 0


def _outbox_retry(args: argparse.Namespace) -> int:
    from bot.delivery.backlog import retry
    from bot.domain.errors import UsageError

    if not (args.ids or args.case is not None or args.failed):
        raise UsageError("Name the effects to retry: their ids (see `swarmbot outbox "
                              "list`), --case N, or --failed for every failed one.")
    with _offline_services() as services, services.uow() as uow:
        retried = retry(uow, services.now(), ids=args.ids, case_id=args.case,
                        all_failed=args.failed)
        uow.commit()
    if args.ids and len(retried) < len(set(args.ids)):
        missing = sorted(set(args.ids) - set(retried))
        print(f"not pending or failed (delivered already, or no such effect): "
              f"{', '.join(f'#{i}' for i in missing)}", file=sys.stderr)
    print(f"{len(retried)} effects will be delivered again now")
    return 0 if retried or not args.ids else 1


def _db_upgrade(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from models.db import upgrade

    upgrade(load_settings().database_url)
    print("database schema is up to date")
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    from bot.sandbox.run import run_sandbox
    from bot.sandbox.seed import company_for

    database_url = args.database_url
    if database_url is None:
        # The emulated workspace lives in memory, so each run starts a fresh one; a database
        # kept from an earlier run would point at channels and messages that no longer exist.
        for leftover in Path("var").glob("sandbox.sqlite3*"):
            leftover.unlink()
        database_url = "sqlite:///var/sandbox.sqlite3"
    return run_sandbox(port=args.port, database_url=database_url,
                       company=company_for(args.locale))


def _doctor(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from bot.doctor import Outcome, lines, run_checks

    logging.getLogger("slack_sdk").setLevel(logging.CRITICAL)  # the check lines say it all
    checks = run_checks(load_settings(), request_url=args.url)
    for line in lines(checks):
        print(line)
    failed = [check for check in checks if check.outcome is Outcome.FAIL]
    print(f"{len(failed)} of {len(checks)} checks failed" if failed
          else f"all {len(checks)} checks passed")
    return 1 if failed else 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"swarmbot {version('swarmbot')}"
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "swarmbot (not installed)"


def _demo(args: argparse.Namespace) -> int:
    from bot.sandbox.demo import run_demo

    logging.getLogger().setLevel(logging.ERROR)  # the transcript is the output
    return run_demo(args.scenario or None, locale=args.locale)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="swarmbot", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web process (Slack over HTTP, or "
                                "Socket Mode with SLACK_APP_TOKEN)")
    serve.set_defaults(run=_serve)

    clock = commands.add_parser("clock", help="run the clock process (timers, retraining)")
    clock.set_defaults(run=_clock)

    doctor = commands.add_parser(
        "doctor", help="check this deployment: Slack token and scopes, how Slack reaches the "
                       "bot, database, model, policy, clock (exit 1 if a check fails)")
    doctor.add_argument("--url", help="the Request URL Slack calls (https://…/slack/events): "
                        "sent a signed url_verification, as Slack does")
    doctor.set_defaults(run=_doctor)

    sandbox = commands.add_parser(
        "sandbox", help="run swarmbot on one machine with the built-in Slack emulator")
    sandbox.add_argument("--port", type=int, default=8080, help="web page port (0 = any free)")
    sandbox.add_argument("--database-url", help="keep the sandbox's cases in this database "
                         "(default: a fresh var/sandbox.sqlite3 each run, like the emulated "
                         "workspace, which starts empty)")
    sandbox.add_argument("--locale", default="en", help="en: Parcelly, English; ja: はなまる商店 "
                         "— Japanese people (ja-JP locales), cases and channels")
    sandbox.set_defaults(run=_sandbox)

    demo = commands.add_parser(
        "demo", help="play scripted scenarios in the sandbox and print what happened")
    demo.add_argument("--scenario", action="append", choices=("swarm", "tiers"),
                      help="swarm: a sev1 swarmed and resolved; tiers: a sev4 walking up the "
                           "levels on a fast clock (default: both)")
    demo.add_argument("--locale", default="en", help="en (Parcelly) or ja (はなまる商店: the "
                      "same story with Japanese people, cases and messages)")
    demo.set_defaults(run=_demo)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="migrate DATABASE_URL to the newest schema"
                           ).set_defaults(run=_db_upgrade)

    audit = commands.add_parser("audit", help="the tamper-evident case timelines")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    audit_commands.add_parser("verify", help="recompute every timeline's hash chain; exit 1 "
                              "if any was changed").set_defaults(run=_audit_verify)

    export = commands.add_parser("export", help="cases or timeline events for BI tools")
    export.add_argument("what", choices=("cases", "timeline"))
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    export.add_argument("--since", default="all", help="7d, 30d, quarter, all (default)")
    export.add_argument("--out", default="-", help="file to write (default: standard output)")
    export.set_defaults(run=_export)

    outbox = commands.add_parser("outbox", help="Slack side effects waiting or failed")
    outbox_commands = outbox.add_subparsers(dest="outbox_command", required=True,
                                            metavar="ACTION")
    listed = outbox_commands.add_parser("list", help="the backlog and what failed for good")
    listed.add_argument("--state", choices=(OutboxState.PENDING, OutboxState.FAILED, "all"),
                        default="all")
    listed.add_argument("--limit", type=int, default=100)
    listed.set_defaults(run=_outbox_list)
    retried = outbox_commands.add_parser("retry", help="deliver effects again, now")
    retried.add_argument("ids", type=int, nargs="*", help="effect ids from `outbox list`")
    retried.add_argument("--case", type=int, default=None, help="every failed effect of a case")
    retried.add_argument("--failed", action="store_true", help="every failed effect")
    retried.set_defaults(run=_outbox_retry)

    review = commands.add_parser("review", help="a case's post-case review as Markdown")
    review.add_argument("case", type=int, help="the case number (42 for #0042)")
    review.set_defaults(run=_review)

    history = commands.add_parser("history", help="resolution history the recommender learns from")
    history_commands = history.add_subparsers(dest="history_command", required=True,
                                              metavar="ACTION")
    importer = history_commands.add_parser("import", help="import a CSV or JSON Lines history")
    importer.add_argument("file")
    importer.set_defaults(run=_history_import)

    try:
        from skills_index.cli import add_model_commands
    except ImportError:  # recommender not installed in this build
        pass
    else:
        add_model_commands(commands, from_db=_model_train_from_db)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from bot.logs import configure

    configure(logging.INFO)  # SWARMBOT_LOG_FORMAT=json: one JSON object a line
    for noisy in ("alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    from sqlalchemy.exc import ArgumentError, OperationalError

    try:
        return int(args.run(args) or 0)
    except SwarmbotError as error:
        print(f"swarmbot: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        _silence_stdout()
        return 141
    except ArgumentError as error:  # DATABASE_URL that is not a database URL
        print(f"swarmbot: DATABASE_URL: {error}", file=sys.stderr)
        return 2
    except OperationalError as error:  # the database cannot be reached or opened
        print(f"swarmbot: the database cannot be used: {str(error.orig).strip()}",
              file=sys.stderr)
        return 2
    except OSError as error:  # a path the command was given or needs
        where = f"{error.filename}: " if error.filename else ""
        print(f"swarmbot: {where}{error.strerror or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush does
    not print a second error."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())

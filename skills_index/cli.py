"""`swarmbot model train|recommend|evaluate` (also `python -m skills_index.cli model …`).
Bad files give one line on stderr and exit code 2."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from skills_index.history import HistoryFileError, RowError, read_cases, read_history
from skills_index.interface import ModelArtifactError


def _train(args: argparse.Namespace) -> int:
    from skills_index.model import ExpertModel  # scikit-learn: only for the commands that use it

    result = read_history(args.history)
    _report_bad_rows(result.errors)
    started = time.perf_counter()
    model = ExpertModel.train(result.records, progress=True)
    model.card["training_seconds"] = round(time.perf_counter() - started, 2)
    model.save(args.out)
    print(f"trained on {len(result.records)} cases ({len(model.experts)} experts) in "
          f"{model.card['training_seconds']} s → {args.out}")
    return 0


def _recommend(args: argparse.Namespace) -> int:
    from skills_index.model import ExpertModel

    model = ExpertModel.load(args.model)
    cases, errors = read_cases(args.cases)
    _report_bad_rows(errors)
    out = open(args.out, "w") if args.out else sys.stdout  # noqa: SIM115
    try:
        for case in cases:
            experts = [{"expert": r.expert, "score": r.score, "why": r.why}
                       for r in model.recommend(case, top=args.top)]
            out.write(json.dumps({"id": case.id, "experts": experts}) + "\n")
    finally:
        if args.out:
            out.close()
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from skills_index.evaluate import evaluate

    result = read_history(args.history)
    _report_bad_rows(result.errors)
    report = evaluate(result.records, progress=True)
    print(report.format_table())
    print("the model beats every baseline on every metric" if report.beats_baselines()
          else "the model does NOT beat every baseline on every metric")
    return 0


def _report_bad_rows(errors: Sequence[RowError]) -> None:
    for error in errors[:20]:
        print(f"skipped line {error.line}: {error.reason}", file=sys.stderr)
    if len(errors) > 20:
        print(f"... and {len(errors) - 20} more bad rows", file=sys.stderr)


Command = Callable[[argparse.Namespace], int]


def _guarded(command: Command) -> Command:
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except (HistoryFileError, ModelArtifactError, ValueError, OSError) as error:
            print(f"swarmbot: {error}", file=sys.stderr)
            return 2
    return run


def _train_either(from_db: Command) -> Command:
    def run(args: argparse.Namespace) -> int:
        if args.from_db:
            return from_db(args)
        if args.out is None:
            print("swarmbot: --history needs --out FILE (where the model goes)", file=sys.stderr)
            return 2
        return _guarded(_train)(args)
    return run


def add_model_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], *,
                       from_db: Command | None = None) -> None:
    """`from_db`: the bot's `model train --from-db` (its database), when there is a bot."""
    model = subparsers.add_parser("model", help="train, use and evaluate the expert recommender")
    actions = model.add_subparsers(dest="model_command", required=True, metavar="ACTION")
    train = actions.add_parser("train", help="train a model on a history file" +
                               (" or on the bot's database" if from_db else ""))
    if from_db is None:
        train.add_argument("--history", required=True, type=Path)
        train.add_argument("--out", required=True, type=Path)
        train.set_defaults(run=_guarded(_train))
    else:
        source = train.add_mutually_exclusive_group(required=True)
        source.add_argument("--history", type=Path, help="a CSV or JSON Lines history file")
        source.add_argument("--from-db", action="store_true",
                            help="the imported history plus every case swarmbot resolved; "
                                 "replaces the model in use (SWARMBOT_MODEL_PATH) unless it "
                                 "does worse on a backtest of the newest cases")
        train.add_argument("--out", type=Path, help="where the model goes (required with "
                           "--history; with --from-db, default SWARMBOT_MODEL_PATH)")
        train.set_defaults(run=_train_either(from_db))
    recommend = actions.add_parser("recommend", help="recommend experts for cases (JSON lines)")
    recommend.add_argument("--model", required=True, type=Path)
    recommend.add_argument("--cases", required=True, type=Path)
    recommend.add_argument("--top", type=int, default=5)
    recommend.add_argument("--out", type=Path)
    recommend.set_defaults(run=_guarded(_recommend))
    evaluate = actions.add_parser("evaluate", help="temporal-split evaluation with baselines")
    evaluate.add_argument("--history", required=True, type=Path)
    evaluate.set_defaults(run=_guarded(_evaluate))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skills_index.cli")
    add_model_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())

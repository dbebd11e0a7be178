"""Knowledge at hand, on several histories in one run: how well the forecast of "needs more
than one person" ranks the newest cases of a history (temporal split, baseline in the same
run), how often a test case's own resolver resolved one of its 3 similar past cases, and how
fast similar past cases are found — fast enough for the declare path — on the real histories
and on a generated large one.

    .venv/bin/python -m bench.knowledge [--history FILE ...] [--synthetic-cases 100000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from bench.recommender import HISTORIES, synthetic_history
from skills_index.evaluate import temporal_split
from skills_index.forecast import evaluate_forecast
from skills_index.history import HistoryRecord, read_history
from skills_index.model import CaseQuery, ExpertModel

THRESHOLDS = (0.3, 0.5)
SIMILAR = 3


def forecast_quality(records: list[HistoryRecord]) -> None:
    for threshold in THRESHOLDS:
        started = time.perf_counter()
        train, test, rate, rows = evaluate_forecast(records, threshold=threshold)
        took = time.perf_counter() - started
        if threshold == THRESHOLDS[0]:
            print(f"forecast, temporal split: {train} training cases, {test} test cases, "
                  f"{rate:.1%} of test cases needed more than one person "
                  f"(evaluation {took:.1f} s)")
            print(f"{'ranker':<32} {'ROC AUC':>8} {'avg prec':>9}")
            for row in rows:
                print(f"{row.name:<32} {row.roc_auc:8.3f} {row.average_precision:9.3f}")
        for row in rows:
            print(f"  at p >= {threshold}: {row.name:<30} flags {row.flagged:5d}, "
                  f"precision {row.precision:.3f}, recall {row.recall:.3f}")


def similar_quality(records: list[HistoryRecord]) -> None:
    """Trained on the oldest 80%: for each of the newest 20%, its SIMILAR most similar past
    cases — how often there is one, and how often the case's own (main) resolver resolved one
    of them (the owner would have found the right person through them)."""
    train, test, _ = temporal_split(records)
    model = ExpertModel.train(train)
    found = own = 0
    for case in test:
        similar = model.similar(CaseQuery(id=case.id, title=case.title,
                                          description=case.description, service=case.service,
                                          severity=case.severity, tags=case.tags), k=SIMILAR)
        found += bool(similar)
        own += any(case.resolvers[0] in s.case.resolvers for s in similar)
    print(f"similar cases, temporal split: {len(test)} test cases; with a similar case "
          f"{found / len(test):.1%}; own resolver resolved one of its {SIMILAR} similar cases "
          f"{own / len(test):.1%}")


def similar_latency(name: str, records: list[HistoryRecord], count: int = 1000) -> None:
    started = time.perf_counter()
    model = ExpertModel.train(records)
    trained = time.perf_counter() - started
    ordered = sorted(records, key=lambda r: r.created_at)
    step = max(len(ordered) // count, 1)
    queries = [CaseQuery(id=r.id, title=r.title, description=r.description, service=r.service,
                         severity=r.severity, tags=r.tags) for r in ordered[::step][:count]]
    times = []
    for query in queries:  # cases of the history itself: this measures speed, not quality
        began = time.perf_counter()
        model.similar(query, k=3)
        model.needs_help(query)
        times.append((time.perf_counter() - began) * 1000)
    p50, p99 = np.percentile(times, [50, 99])
    print(f"{name}: {len(records)} cases, model trained in {trained:.1f} s; similar cases + "
          f"forecast per case p50 {p50:.2f} ms, p99 {p99:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=Path, nargs="+", default=list(HISTORIES))
    parser.add_argument("--synthetic-cases", type=int, default=100_000)
    parser.add_argument("--synthetic-experts", type=int, default=500)
    args = parser.parse_args()
    for path in args.history:
        records = read_history(path).records
        print(f"== {path.name}", flush=True)
        try:
            forecast_quality(records)
        except ValueError as error:  # a history too small or uniform for a forecast
            print(f"forecast: {error}")
        similar_quality(records)
        similar_latency(path.name, records)
    if args.synthetic_cases:
        print(f"== generated history ({args.synthetic_cases} cases, "
              f"{args.synthetic_experts} experts)")
        similar_latency("generated", synthetic_history(args.synthetic_cases,
                                                       args.synthetic_experts))


if __name__ == "__main__":
    main()

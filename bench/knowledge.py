"""Knowledge at hand: how well the forecast of "needs more than one person" ranks the newest
cases of a history (temporal split, baseline in the same run), and how fast similar past cases
are found — fast enough for the declare path — on a real and on a generated large history.

    .venv/bin/python -m bench.knowledge [--history FILE] [--synthetic-cases 100000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from bench.recommender import synthetic_history
from skills_index.forecast import evaluate_forecast
from skills_index.history import HistoryRecord, read_history
from skills_index.model import CaseQuery, ExpertModel

ARROW = Path(__file__).resolve().parents[2] / "shared" / "data" / "history" / "arrow.csv"
THRESHOLDS = (0.3, 0.5)


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
    parser.add_argument("--history", type=Path, default=ARROW)
    parser.add_argument("--synthetic-cases", type=int, default=100_000)
    parser.add_argument("--synthetic-experts", type=int, default=500)
    args = parser.parse_args()
    records = read_history(args.history).records
    print(f"== {args.history.name}")
    forecast_quality(records)
    similar_latency(args.history.name, records)
    if args.synthetic_cases:
        print(f"== generated history ({args.synthetic_cases} cases, "
              f"{args.synthetic_experts} experts)")
        similar_latency("generated", synthetic_history(args.synthetic_cases,
                                                       args.synthetic_experts))


if __name__ == "__main__":
    main()

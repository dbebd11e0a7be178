"""Recommender benchmark on several histories in one run: quality (model and baselines,
same run, one table per history, then the model's gain over the best baseline on each and
on average), training time, recommendation latency and model load time.

Histories: the public ones (arrow.csv, sakura-ja.csv beside the repository, the bundled
sample) and a generated one of 100k cases / 500 experts (its quality on the first 3000
counted test cases, without the LinearSVC baseline, which takes many minutes there).

    .venv/bin/python -m bench.recommender [--history FILE ...] [--synthetic-cases 100000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from skills_index.evaluate import METRICS, EvaluationReport, evaluate
from skills_index.history import HistoryRecord, read_history
from skills_index.model import CaseQuery, ExpertModel

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data" / "history"
DEFAULT_HISTORY = SHARED / "arrow.csv"
HISTORIES = (SHARED / "arrow.csv", SHARED / "sakura-ja.csv",
             REPO / "bot" / "sandbox" / "data" / "sample_history.csv")
TIMED = ("arrow.csv",)          # real histories whose speed is measured too
SYNTHETIC_COUNTED = 3000


def synthetic_history(cases: int, experts: int, *, seed: int = 7) -> list[HistoryRecord]:
    """Experts with specialties (a service and a tag path, each with its own words), who join
    and leave over five years; cases go mostly to active specialists."""
    rng = random.Random(seed)
    common = [f"w{n}" for n in range(300)]
    areas = []
    for n in range(80):
        service = f"svc{n % 25}"
        areas.append({"service": service, "tags": (service, f"mod{n}"),
                      "words": [f"a{n}x{k}" for k in range(40)]})
    start = datetime(2021, 1, 1, tzinfo=UTC)
    span = 5 * 365
    people = []
    for n in range(experts):
        joined = rng.uniform(-200, span - 100)
        people.append({"id": f"U{n:05d}", "areas": rng.sample(range(len(areas)), 2),
                       "from": joined, "to": joined + rng.uniform(200, 1500)})
    by_area: dict[int, list[dict]] = {}
    for person in people:
        for area in person["areas"]:
            by_area.setdefault(area, []).append(person)
    records = []
    weights = [1 / (n + 1) ** 0.6 for n in range(len(areas))]
    for n in range(cases):
        day = rng.uniform(0, span)
        area_id = rng.choices(range(len(areas)), weights)[0]
        area = areas[area_id]
        active = [p for p in by_area.get(area_id, []) if p["from"] <= day <= p["to"]]
        pool = active or [p for p in people if p["from"] <= day <= p["to"]] or people
        main = rng.choice(pool[:3] if rng.random() < 0.6 else pool)
        helper = rng.choice(pool) if rng.random() < 0.2 else None
        words = rng.sample(area["words"], 4) + rng.sample(common, 3)
        records.append(HistoryRecord(
            id=f"S{n:06d}", title=" ".join(words), description="", service=area["service"],
            severity="", tags=area["tags"], created_at=start + timedelta(days=day),
            resolved_at=None, owner="",
            resolvers=(main["id"],) + ((helper["id"],) if helper and helper is not main else ())))
    return records


def latency(model: ExpertModel, records: list[HistoryRecord], count: int = 1000
            ) -> tuple[float, float]:
    sample = records[-count:]
    timings = []
    for record in sample:
        query = CaseQuery(id=record.id, title=record.title, description=record.description,
                          service=record.service, tags=record.tags)
        started = time.perf_counter()
        model.recommend(query, top=5)
        timings.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(timings, 50)), float(np.percentile(timings, 99))


def timings(name: str, records: list[HistoryRecord]) -> None:
    started = time.perf_counter()
    model = ExpertModel.train(records)
    trained = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.joblib"
        model.save(path)
        size = path.stat().st_size / 1e6
        started = time.perf_counter()
        model = ExpertModel.load(path)
        loaded = time.perf_counter() - started
    p50, p99 = latency(model, records)
    print(f"{name}: {len(records)} cases, {len(model.experts)} experts — train {trained:.1f} s, "
          f"recommend p50 {p50:.2f} ms / p99 {p99:.2f} ms, load {loaded:.2f} s "
          f"({size:.1f} MB)")


def gains_table(reports: dict[str, EvaluationReport]) -> str:
    """The model's score minus the best baseline's, per history and metric, and the mean."""
    names = {"top1": "top-1", "top3": "top-3", "top5": "top-5", "mrr": "MRR@10"}
    lines = [f"{'gain over the best baseline':<32}" + "".join(f"{names[m]:>8}" for m in METRICS)]
    for name, report in reports.items():
        gains = report.gains()
        lines.append(f"{name:<32}" + "".join(f"{gains[m]:+8.3f}" for m in METRICS))
    mean = {m: float(np.mean([r.gains()[m] for r in reports.values()])) for m in METRICS}
    lines.append(f"{'mean':<32}" + "".join(f"{mean[m]:+8.3f}" for m in METRICS))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=Path, nargs="+", default=list(HISTORIES))
    parser.add_argument("--synthetic-cases", type=int, default=100_000,
                        help="0: no generated history")
    parser.add_argument("--synthetic-experts", type=int, default=500)
    args = parser.parse_args()

    reports: dict[str, EvaluationReport] = {}
    for path in args.history:
        print(f"== quality on {path.name} (temporal split 80/20)", flush=True)
        records = read_history(path).records
        reports[path.name] = report = evaluate(records)
        print(report.format_table())
        print("model beats every baseline on every metric:", report.beats_baselines())
        if path.name in TIMED:
            timings(path.name, records)
        print(flush=True)

    if args.synthetic_cases:
        name = f"generated ({args.synthetic_cases} cases)"
        print(f"== quality on the generated history: {args.synthetic_cases} cases / "
              f"{args.synthetic_experts} experts (first {SYNTHETIC_COUNTED} counted test "
              "cases)", flush=True)
        synthetic = synthetic_history(args.synthetic_cases, args.synthetic_experts)
        reports[name] = report = evaluate(synthetic, max_counted=SYNTHETIC_COUNTED,
                                          linear_svc=False)
        print(report.format_table())
        timings("generated", synthetic)
        print()
    print(gains_table(reports))


if __name__ == "__main__":
    main()

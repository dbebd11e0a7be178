"""Recommender benchmark: quality (model and baselines, same run), training time,
recommendation latency and model load time — on a real history (arrow.csv by default) and
on a generated history of 100k cases / 500 experts.

    .venv/bin/python -m bench.recommender [--history FILE] [--synthetic-cases 100000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from skills_index.evaluate import (
    evaluate,
    most_frequent,
    per_service_last_year,
    score,
    temporal_split,
)
from skills_index.history import HistoryRecord, read_history
from skills_index.model import CaseQuery, ExpertModel

REPO = Path(__file__).resolve().parent.parent
DEFAULT_HISTORY = REPO.parent / "shared" / "data" / "history" / "arrow.csv"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=Path, default=DEFAULT_HISTORY)
    parser.add_argument("--synthetic-cases", type=int, default=100_000)
    parser.add_argument("--synthetic-experts", type=int, default=500)
    args = parser.parse_args()

    print(f"== quality on {args.history.name} (temporal split 80/20)")
    result = read_history(args.history)
    report = evaluate(result.records)
    print(report.format_table())
    print("model beats every baseline on every metric:", report.beats_baselines())
    timings(args.history.name, result.records)

    print(f"\n== generated history: {args.synthetic_cases} cases"
          f" / {args.synthetic_experts} experts")
    synthetic = synthetic_history(args.synthetic_cases, args.synthetic_experts)
    train, _, counted = temporal_split(synthetic)
    model = ExpertModel.train(train)

    def ranker(case: HistoryRecord) -> list[str]:
        query = CaseQuery(id=case.id, title=case.title, service=case.service, tags=case.tags)
        return [r.expert for r in model.recommend(query, top=10, now=case.created_at)]

    sample = counted[:3000]
    for row in (score("swarmbot model", ranker, sample),
                score("most frequent resolver", most_frequent(train), sample),
                score("most frequent per service, last year", per_service_last_year(train),
                      sample)):
        print(f"{row.name:<44} top-1 {row.top1:.3f} top-3 {row.top3:.3f} top-5 {row.top5:.3f} "
              f"MRR@10 {row.mrr:.3f}")
    timings("generated", synthetic)


if __name__ == "__main__":
    main()

"""The same history and settings give the same model and the same rankings, bit for bit:
whatever order the records come in, in another process (another hash seed, another thread
count), at another time of day."""

from __future__ import annotations

import hashlib
import os
import pickle
import random
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from skills_index.history import HistoryRecord
from skills_index.model import CaseQuery, ExpertModel
from tests.unit.skills_index.conftest import NOW, make_history

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "bot" / "sandbox" / "data" / "sample_history.csv"

# Trains on the oldest 80% of the bundled history and prints a digest of the model (what the
# artifact pickles besides its card), of every ranking (experts and scores) of the newest 20%,
# and the metrics.
TRAIN_AND_RANK = f"""
import hashlib, pickle
from skills_index.evaluate import score, temporal_split
from skills_index.history import read_history
from skills_index.model import CaseQuery, ExpertModel

train, test, counted = temporal_split(read_history({str(SAMPLE)!r}).records)
model = ExpertModel.train(train)
parts = dict(index=model.index, blend=model.blend, specialties=model.specialties,
             past_cases=model.past_cases, forecast=model.forecast)
rankings = hashlib.sha256()

def rank(case):
    query = CaseQuery(id=case.id, title=case.title, description=case.description,
                      service=case.service, severity=case.severity, tags=case.tags)
    found = model.recommend(query, top=10, now=case.created_at)
    rankings.update(repr([(r.expert, r.score, r.why) for r in found]).encode())
    return [r.expert for r in found]

row = score("model", rank, counted)
print(hashlib.sha256(pickle.dumps(parts, pickle.HIGHEST_PROTOCOL)).hexdigest())
print(rankings.hexdigest())
print(repr((row.top1, row.top3, row.top5, row.mrr)))
"""


def _digest(model: ExpertModel) -> str:
    parts = {"index": model.index, "blend": model.blend, "specialties": model.specialties,
             "past_cases": model.past_cases, "forecast": model.forecast}
    return hashlib.sha256(pickle.dumps(parts, pickle.HIGHEST_PROTOCOL)).hexdigest()


def _tied_history() -> list[HistoryRecord]:
    """A history where cases share their creation time (a batch import, commits of one
    push): their order in the file says nothing."""
    records = make_history({"dora": ("db", 60, 1), "sami": ("search", 90, 1),
                            "wes": ("web", 90, 1)}, per_person=30)
    moment = NOW - timedelta(days=3)
    tied = [("T-9", "kafka consumer lag on orders", "orders", "kai"),
            ("T-1", "tls certificate expired on the gateway", "infra", "ian"),
            ("T-5", "disk full on db-3", "db", "dora")]
    return records + [HistoryRecord(id=id, title=title, description="", service=service,
                                    severity="sev2", tags=(service,), created_at=moment,
                                    resolved_at=None, owner="", resolvers=(person,))
                      for id, title, service, person in tied]


def test_the_same_cases_in_another_order_give_the_same_model_and_rankings() -> None:
    history = _tied_history()
    shuffled = history[:]
    random.Random(5).shuffle(shuffled)
    first, second = ExpertModel.train(history, now=NOW), ExpertModel.train(shuffled, now=NOW)
    assert _digest(first) == _digest(second)
    case = CaseQuery(id="q", title="consumer lag on orders again", service="orders",
                     tags=("orders",))
    assert first.recommend(case, top=5, now=NOW) == second.recommend(case, top=5, now=NOW)


def test_a_similar_case_is_the_case_it_says_when_cases_share_their_time() -> None:
    """Before: the past cases kept the order they came in, the index sorted ties by id, and a
    similar case could show another case's title and resolvers."""
    model = ExpertModel.train(_tied_history(), now=NOW)
    found = model.similar(CaseQuery(id="q", title="kafka consumer lag on orders",
                                    service="orders", tags=("orders",)), k=1)
    assert [(s.case.id, s.case.title) for s in found] == [("T-9", "kafka consumer lag on orders")]


def test_two_processes_train_the_same_model_and_rank_the_same() -> None:
    """Another hash seed and another BLAS thread count: the same bytes, rankings and metrics."""
    outputs = []
    for seed, threads in (("1", "1"), ("4242", "2")):
        env = {**os.environ, "PYTHONHASHSEED": seed, "OPENBLAS_NUM_THREADS": threads,
               "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
        done = subprocess.run([sys.executable, "-c", TRAIN_AND_RANK], cwd=REPO, env=env,
                              capture_output=True, text=True, check=True)
        outputs.append(done.stdout.splitlines())
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == 3

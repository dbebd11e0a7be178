"""Evaluation on a temporal split: train on the oldest 80%, test on the newest 20%, counting
only test cases whose main resolver appears in training. The model and three baselines are
scored in the same run: top-1/3/5 accuracy and MRR over the top 10."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import OneHotEncoder
from sklearn.svm import LinearSVC

from skills_index.history import HistoryRecord
from skills_index.index import service_keys
from skills_index.interface import CaseQuery
from skills_index.model import ExpertModel

Ranker = Callable[[HistoryRecord], list[str]]
DEPTH = 10
METRICS = ("top1", "top3", "top5", "mrr")


@dataclass
class Scores:
    name: str
    top1: float = 0.0
    top3: float = 0.0
    top5: float = 0.0
    mrr: float = 0.0
    seconds: float = 0.0


@dataclass
class EvaluationReport:
    train_cases: int
    test_cases: int
    counted_cases: int
    rows: list[Scores] = field(default_factory=list)

    @property
    def model(self) -> Scores:
        return self.rows[0]

    def gains(self) -> dict[str, float]:
        """Per metric, the model's score minus the best baseline's in the same run."""
        return {m: getattr(self.model, m) - max(getattr(b, m) for b in self.rows[1:])
                for m in METRICS}

    def beats_baselines(self) -> bool:
        return all(getattr(self.model, m) > getattr(b, m) for b in self.rows[1:] for m in METRICS)

    def format_table(self) -> str:
        lines = [f"temporal split: {self.train_cases} training cases, {self.test_cases} test "
                 f"cases, {self.counted_cases} counted (their main resolver was a main resolver "
                 "in training)",
                 f"{'ranker':<44} {'top-1':>6} {'top-3':>6} {'top-5':>6} {'MRR@10':>7} {'time':>8}"]
        for row in self.rows:
            lines.append(f"{row.name:<44} {row.top1:6.3f} {row.top3:6.3f} {row.top5:6.3f} "
                         f"{row.mrr:7.3f} {row.seconds:7.1f}s")
        return "\n".join(lines)


def temporal_split(records: Sequence[HistoryRecord], test_fraction: float = 0.2
                   ) -> tuple[list[HistoryRecord], list[HistoryRecord], list[HistoryRecord]]:
    ordered = sorted((r for r in records if r.resolvers), key=lambda r: (r.created_at, r.id))
    cut = int(len(ordered) * (1 - test_fraction))
    train, test = ordered[:cut], ordered[cut:]
    known = {r.resolvers[0] for r in train}  # people who were the main resolver in training
    counted = [r for r in test if r.resolvers[0] in known]
    return train, test, counted


def score(name: str, ranker: Ranker, cases: Sequence[HistoryRecord]) -> Scores:
    hits = np.zeros(4)
    started = time.perf_counter()
    for case in cases:
        ranking = ranker(case)[:DEPTH]
        truth = case.resolvers[0]
        if truth in ranking:
            rank = ranking.index(truth) + 1
            hits += [rank <= 1, rank <= 3, rank <= 5, 1.0 / rank]
    n = max(len(cases), 1)
    top1, top3, top5, mrr = (float(x) for x in hits / n)
    return Scores(name, top1, top3, top5, mrr, seconds=time.perf_counter() - started)


def evaluate(records: Sequence[HistoryRecord], *, test_fraction: float = 0.2,
             progress: bool = False, max_counted: int | None = None,
             linear_svc: bool = True) -> EvaluationReport:
    """`max_counted`: score only the first (oldest) that many counted test cases;
    `linear_svc`: include the TF-IDF + LinearSVC baseline (minutes on a large history)."""
    train, test, counted = temporal_split(records, test_fraction)
    counted = counted[:max_counted] if max_counted is not None else counted
    report = EvaluationReport(len(train), len(test), len(counted))
    started = time.perf_counter()
    model = ExpertModel.train(train, progress=progress)
    trained_in = time.perf_counter() - started

    def model_ranker(case: HistoryRecord) -> list[str]:
        query = CaseQuery(id=case.id, title=case.title, description=case.description,
                          service=case.service, severity=case.severity, tags=case.tags)
        return [r.expert for r in model.recommend(query, top=DEPTH, now=case.created_at)]

    row = score(f"swarmbot model ({model.card['model_version']})", model_ranker, counted)
    row.seconds += trained_in
    report.rows.append(row)
    report.rows.append(score("most frequent resolver", most_frequent(train), counted))
    report.rows.append(score("most frequent per service, last year",
                             per_service_last_year(train), counted))
    if not linear_svc:
        return report
    started = time.perf_counter()
    svc = tfidf_linear_svc(train)
    row = score("TF-IDF + one-hot + LinearSVC (1y half-life)", svc, counted)
    row.seconds += time.perf_counter() - started
    report.rows.append(row)
    return report


# -- baselines -----------------------------------------------------------------------------
def most_frequent(train: Sequence[HistoryRecord]) -> Ranker:
    ranking = [p for p, _ in Counter(r.resolvers[0] for r in train).most_common(DEPTH)]
    return lambda case: ranking


def per_service_last_year(train: Sequence[HistoryRecord]) -> Ranker:
    """Most frequent main resolver of the case's service over the training's last year,
    falling back to the most frequent overall in that year."""
    end = train[-1].created_at
    recent = [r for r in train if r.created_at >= end - timedelta(days=365)]
    overall = [p for p, _ in Counter(r.resolvers[0] for r in recent).most_common(DEPTH)]
    by_service: dict[str, Counter[str]] = {}
    for record in recent:
        by_service.setdefault(record.service.lower(), Counter())[record.resolvers[0]] += 1

    def rank(case: HistoryRecord) -> list[str]:
        counts = by_service.get(case.service.lower())
        ranking = [p for p, _ in counts.most_common(DEPTH)] if counts else []
        return ranking + [p for p in overall if p not in ranking]

    return rank


def tfidf_linear_svc(train: Sequence[HistoryRecord]) -> Ranker:
    """TF-IDF on the title (1-2 grams) + one-hot service and tags + LinearSVC, samples
    weighted by a one-year half-life."""
    end = train[-1].created_at.timestamp()
    titles = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    onehot = OneHotEncoder(handle_unknown="ignore")
    tag_vocab: dict[str, int] = {}

    def tags(records: Sequence[HistoryRecord], grow: bool) -> sparse.csr_matrix:
        rows, cols = [], []
        for n, record in enumerate(records):
            for tag in record.tags:
                if tag not in tag_vocab and grow:
                    tag_vocab[tag] = len(tag_vocab)
                if tag in tag_vocab:
                    rows.append(n)
                    cols.append(tag_vocab[tag])
        return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                                 shape=(len(records), max(len(tag_vocab), 1)))

    x = sparse.hstack([titles.fit_transform([r.title for r in train]),
                       onehot.fit_transform([[r.service.lower()] for r in train]),
                       tags(train, grow=True)]).tocsr()
    y = [r.resolvers[0] for r in train]
    weights = np.power(0.5, (end - np.array([r.created_at.timestamp() for r in train]))
                       / (365 * 86400.0))
    classifier = LinearSVC(C=0.5, dual="auto")
    classifier.fit(x, y, sample_weight=weights)
    classes = classifier.classes_

    def rank(case: HistoryRecord) -> list[str]:
        row = sparse.hstack([titles.transform([case.title]),
                             onehot.transform([[case.service.lower()]]),
                             tags([case], grow=False)]).tocsr()
        scores = classifier.decision_function(row).ravel()
        if len(classes) == 2:  # one margin for the second class
            scores = np.array([-scores[0], scores[0]])
        order = np.argsort(-scores, kind="stable")[:DEPTH]
        return [str(classes[i]) for i in order]

    return rank


__all__ = ["EvaluationReport", "Scores", "evaluate", "service_keys", "temporal_split"]

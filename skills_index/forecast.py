"""Predictive escalation: from what a case says at declaration (its words, service, tags and
severity), how likely it is to need more than one person — a swarm, or a level above the
first responder's. Learned from the history, where a case "needed help" when more than one
person resolved it; recent cases weigh more (one-year half-life), as teams and systems drift.

Probabilities are a plain logistic regression's, so "35%" means about a third of such cases
needed help, and a policy threshold reads as a probability."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.preprocessing import OneHotEncoder

from skills_index.history import HistoryRecord
from skills_index.text import normalize, words_and_pairs
from skills_index.tfidf import tfidf_row

HALF_LIFE_DAYS = 365.0
C = 1.0  # regularisation: the default; stronger (0.3) scored the same on arrow but squeezed
#         probabilities towards the base rate on small histories
MIN_CASES = 20


def needed_help(record: HistoryRecord) -> bool:
    return len(record.resolvers) > 1


def _text(title: str, description: str) -> str:
    return f"{title} {description}"


def _categories(service: str, severity: str, tags: Sequence[str]) -> list[str]:
    return [normalize(service) or "-", severity.lower() or "-",
            normalize("/".join(tags[:2])) or "-"]


@dataclass
class SwarmForecast:
    """P(the case needs more than one person)."""

    words: TfidfVectorizer
    categories: OneHotEncoder
    classifier: LogisticRegression
    base_rate: float

    @classmethod
    def train(cls, records: Sequence[HistoryRecord]) -> SwarmForecast | None:
        """None when the history cannot teach it: too small, or every case alike."""
        labels = np.array([needed_help(r) for r in records])
        if len(records) < MIN_CASES or labels.all() or not labels.any():
            return None
        newest = max(r.created_at for r in records)
        ages = np.array([(newest - r.created_at).total_seconds() / 86400 for r in records])
        words = TfidfVectorizer(analyzer=words_and_pairs, min_df=2, sublinear_tf=True,
                                dtype=np.float32)
        categories = OneHotEncoder(handle_unknown="ignore")
        features = sparse.hstack([
            words.fit_transform([_text(r.title, r.description) for r in records]),
            categories.fit_transform([_categories(r.service, r.severity, r.tags)
                                      for r in records])]).tocsr()
        classifier = LogisticRegression(C=C, max_iter=2000)
        classifier.fit(features, labels, sample_weight=np.power(0.5, ages / HALF_LIFE_DAYS))
        return cls(words, categories, classifier, float(labels.mean()))

    def probability(self, *, title: str, description: str, service: str, severity: str,
                    tags: Sequence[str]) -> float:
        return float(self.probabilities([(title, description, service, severity,
                                          tuple(tags))])[0])

    def probabilities(self, cases: Sequence[tuple[str, str, str, str, tuple[str, ...]]]
                      ) -> np.ndarray:
        """The classifier's probabilities, computed from its weights directly: the one-hot
        columns are looked up instead of encoded (sklearn's checks cost more than the sum
        when a case is declared)."""
        weights = self.classifier.coef_.ravel()
        vocabulary = len(self.words.vocabulary_)
        analyse = self.words.build_analyzer()
        scores = sparse.vstack([tfidf_row(self.words, analyse(_text(t, d)))
                                for t, d, _, _, _ in cases]) \
            @ weights[:vocabulary] + self.classifier.intercept_[0]
        for n, (_, _, service, severity, tags) in enumerate(cases):
            offset = vocabulary
            for known, value in zip(self.categories.categories_,
                                    _categories(service, severity, tags), strict=True):
                at = int(np.searchsorted(known, value))
                if at < len(known) and known[at] == value:
                    scores[n] += weights[offset + at]
                offset += len(known)
        return expit(np.asarray(scores, dtype=float))  # type: ignore[no-any-return]  # scipy: no stubs


@dataclass(frozen=True)
class ForecastQuality:
    name: str
    roc_auc: float
    average_precision: float
    flagged: int        # test cases at or above the threshold
    precision: float    # of those, the share that needed help
    recall: float       # of the cases that needed help, the share flagged


def evaluate_forecast(records: Sequence[HistoryRecord], *, threshold: float = 0.3
                      ) -> tuple[int, int, float, list[ForecastQuality]]:
    """Temporal split (oldest 80% train, newest 20% test): the forecast and, in the same
    run, the baseline of each service's share of cases that needed help in training.
    Returns (train size, test size, test base rate, rows)."""
    ordered = sorted(records, key=lambda r: r.created_at)
    cut = int(len(ordered) * 0.8)
    train, test = ordered[:cut], ordered[cut:]
    forecast = SwarmForecast.train(train)
    truth = np.array([needed_help(r) for r in test])
    if forecast is None or truth.all() or not truth.any():
        raise ValueError("the history is too small or too uniform to evaluate a forecast")
    model = forecast.probabilities([(r.title, r.description, r.service, r.severity, r.tags)
                                    for r in test])
    seen: dict[str, list[int]] = {}
    for record in train:
        counts = seen.setdefault(record.service, [0, 0])
        counts[0] += needed_help(record)
        counts[1] += 1
    prior = forecast.base_rate
    baseline = np.array([(seen.get(r.service, [0, 0])[0] + 10 * prior)
                         / (seen.get(r.service, [0, 0])[1] + 10) for r in test])
    rows = [_quality("swarmbot forecast", truth, model, threshold),
            _quality("share per service (baseline)", truth, baseline, threshold)]
    return len(train), len(test), float(truth.mean()), rows


def _quality(name: str, truth: np.ndarray, scores: np.ndarray, threshold: float
             ) -> ForecastQuality:
    flagged = scores >= threshold
    return ForecastQuality(
        name=name, roc_auc=float(roc_auc_score(truth, scores)),
        average_precision=float(average_precision_score(truth, scores)),
        flagged=int(flagged.sum()),
        precision=float(truth[flagged].mean()) if flagged.any() else 0.0,
        recall=float(flagged[truth].mean()))

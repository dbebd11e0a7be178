"""The expert recommender: given a case, the people most likely to resolve it.

Every known expert is scored at once from the expertise index's features (recency-weighted
activity, time-decayed votes of the most similar past cases, service and tag-path shares,
a text profile, how they write titles, title classifiers' margins, the hours they work at),
blended by a logistic regression fit on the newest slice of the training history — the
features of that slice computed from the history before it, so the blend learns how the past
predicts the future, without seeing the cases it is tested on."""

from __future__ import annotations

import gc
import hashlib
import pickle
import platform
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy
import sklearn
from tqdm import tqdm

from skills_index.forecast import SwarmForecast
from skills_index.history import HistoryRecord
from skills_index.index import FEATURES, ExpertIndex, age_text
from skills_index.interface import CaseQuery, ModelArtifactError, Recommendation
from skills_index.similar import PastCase, SimilarCase, find_similar

FORMAT_VERSION = 3
MODEL_VERSION = "blend-3"
BLEND_SLICE = 0.20          # the newest share of the training history the blend is fit on
MAX_BLEND_CASES = 2000
CANDIDATES = 200           # experts per case the blend compares the true resolver with
L2 = 3e-3


@dataclass
class Blend:
    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray

    def score(self, features: np.ndarray) -> np.ndarray:
        # numpy types arithmetic on arrays of unknown dtype as Any
        return ((features - self.mean) / self.scale) @ self.weights + self.bias  # type: ignore[no-any-return]

    @classmethod
    def prior_only(cls) -> Blend:
        weights = np.zeros(len(FEATURES))
        weights[FEATURES.index("activity_90d")] = 1.0
        weights[FEATURES.index("similar_1y")] = 1.0
        return cls(weights, 0.0, np.zeros(len(FEATURES)), np.ones(len(FEATURES)))


def _history_hash(records: Sequence[HistoryRecord]) -> str:
    digest = hashlib.sha256()
    for record in sorted(records, key=lambda r: (r.created_at, r.id)):
        digest.update(f"{record.id}\x1f{record.created_at.isoformat()}\x1f"
                      f"{';'.join(record.resolvers)}\x1e".encode())
    return digest.hexdigest()


def _libraries() -> dict[str, str]:
    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__, "joblib": joblib.__version__}


@dataclass
class ExpertModel:
    index: ExpertIndex
    blend: Blend
    card: dict[str, Any] = field(default_factory=dict)
    specialties: list[str] = field(default_factory=list)
    past_cases: list[PastCase] = field(default_factory=list)  # in the index's case order
    forecast: SwarmForecast | None = None

    @property
    def experts(self) -> list[str]:
        return list(self.index.experts)

    # -- training --------------------------------------------------------------------------
    @classmethod
    def train(cls, records: Sequence[HistoryRecord], *, now: datetime | None = None,
              progress: bool = False) -> ExpertModel:
        # One order for everything trained on, whatever order the records came in (a file, a
        # database without a tie-breaker): time, then id. The index keeps the same order, so
        # past case n is the index's row n; the blend's slice and fit see the same cases.
        records = sorted((r for r in records if r.resolvers), key=lambda r: (r.created_at, r.id))
        if not records:
            raise ValueError("no resolved cases to learn from")
        started = datetime.now(UTC)
        blend, blend_cases = _fit_blend(records, progress=progress)
        index = ExpertIndex.build(records)
        model = cls(index=index, blend=blend, specialties=_specialties(index),
                    past_cases=[PastCase.of(r) for r in records],
                    forecast=SwarmForecast.train(records))
        model.card = {
            "format_version": FORMAT_VERSION, "model_version": MODEL_VERSION,
            "trained_at": (now or started).isoformat(),
            "training_cases": len(records), "experts": len(index.experts),
            "blend_cases": blend_cases,
            "history_from": records[0].created_at.isoformat(),
            "history_to": records[-1].created_at.isoformat(),
            "data_hash": _history_hash(records), "libraries": _libraries(),
            "features": dict(zip(FEATURES, (round(float(w), 4) for w in blend.weights),
                                 strict=True)),
            "metrics": {},
            "forecast": ({"label": "more than one resolver",
                          "base_rate": round(model.forecast.base_rate, 4)}
                         if model.forecast else None),
        }
        return model

    # -- recommending ----------------------------------------------------------------------
    def recommend(self, case: CaseQuery, top: int = 5, exclude: Collection[str] = (), *,
                  now: datetime | None = None) -> list[Recommendation]:
        if not self.index.experts or top <= 0:
            return []
        moment = (now or datetime.now(UTC)).timestamp()
        features, hood, sims = self.index.features(case.title, case.description, case.service,
                                                   case.tags, at=moment)
        scores = self.blend.score(features)
        for person in exclude:
            position = self.index.expert_ids.get(person)
            if position is not None:
                scores[position] = -np.inf
        k = min(top, int(np.isfinite(scores).sum()))
        if k <= 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        # Which of the similar cases each recommended expert resolved: one slice for all.
        resolved = (self.index.resolved_by[hood][:, best].toarray() if len(hood)
                    else np.zeros((0, len(best))))
        return [Recommendation(expert=self.index.experts[e], score=round(float(scores[e]), 4),
                               why=self._why(e, hood, sims, resolved[:, n], case, moment),
                               specialty=self.specialties[e] if self.specialties else "")
                for n, e in enumerate(best)]

    def recommend_many(self, cases: Sequence[CaseQuery], top: int = 5
                       ) -> list[list[Recommendation]]:
        return [self.recommend(case, top=top) for case in cases]

    def similar(self, case: CaseQuery, k: int = 3, exclude: Collection[str] = ()
                ) -> list[SimilarCase]:
        """The resolved cases most like this one (empty for a model without them)."""
        if len(self.past_cases) != self.index.cases_by_term.shape[0]:
            return []
        return find_similar(self.index, self.past_cases, title=case.title,
                            description=case.description, service=case.service,
                            tags=case.tags, k=k, exclude=exclude)

    def needs_help(self, case: CaseQuery) -> float | None:
        """How likely the case needs more than one person (None: no forecast trained)."""
        if self.forecast is None:
            return None
        return self.forecast.probability(title=case.title, description=case.description,
                                         service=case.service, severity=case.severity,
                                         tags=case.tags)

    def _why(self, expert: int, hood: np.ndarray, sims: np.ndarray, resolved: np.ndarray,
             case: CaseQuery, moment: float) -> str:
        """`resolved`: for each of the similar cases `hood`, whether the expert resolved it."""
        index = self.index
        if len(hood):
            similar = hood[(resolved > 0) & (sims > 0.05)]
            if len(similar):
                topic = _topic(index, similar, case)
                last = index.case_times[similar].max()
                return (f"resolved {len(similar)} similar {topic}case"
                        f"{'s' if len(similar) != 1 else ''}, last one "
                        f"{age_text(max(moment - last, 0))}")
        count = index.activity_long[expert]
        last = age_text(max(moment - index.last_seen[expert], 0))
        area = self.specialties[expert] if self.specialties else ""
        where = f" mostly in `{area}`" if area else ""
        return f"active resolver ({count:.0f} recent-weighted cases{where}), last one {last}"

    # -- artifact --------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # The card readable alone; the rest one pickled blob: joblib unpickles objects in
        # Python, and a large history's 100k past cases took seconds to load that way.
        parts = {"index": self.index, "blend": self.blend, "specialties": self.specialties,
                 "past_cases": self.past_cases, "forecast": self.forecast}
        # Each file written beside itself and moved into place: a process loading the model
        # meanwhile reads the old one or the new one, never half of one.
        import json
        import os

        tmp = path.with_name(path.name + ".tmp")
        joblib.dump({"card": self.card, "model": pickle.dumps(parts, pickle.HIGHEST_PROTOCOL)},
                    tmp, compress=3)
        os.replace(tmp, path)
        card_path = path.with_name(path.name + ".card.json")
        card_tmp = card_path.with_name(card_path.name + ".tmp")
        card_tmp.write_text(json.dumps(self.card, indent=2, sort_keys=True) + "\n")
        os.replace(card_tmp, card_path)

    @classmethod
    def load(cls, path: str | Path) -> ExpertModel:
        path = Path(path)
        if not path.is_file():
            raise ModelArtifactError(f"No model at {path}. Train one with `swarmbot model "
                                     "train --history FILE --out FILE`.")
        try:
            payload = joblib.load(path)
        except Exception as error:  # noqa: BLE001 — any unpickling failure means unusable
            raise ModelArtifactError(f"{path} is not a readable swarmbot model ({error}). "
                                     "Retrain it with `swarmbot model train`.") from None
        if not isinstance(payload, dict) or "card" not in payload:
            raise ModelArtifactError(f"{path} is not a swarmbot model (no model card).")
        card = payload["card"]
        if card.get("format_version") != FORMAT_VERSION:
            raise ModelArtifactError(f"{path} has model format {card.get('format_version')}; "
                                     f"this swarmbot reads format {FORMAT_VERSION}. Retrain it.")
        trained_with = str(card.get("libraries", {}).get("scikit-learn", ""))
        if trained_with.split(".")[:2] != sklearn.__version__.split(".")[:2]:
            raise ModelArtifactError(f"{path} was trained with scikit-learn {trained_with}, this "
                                     f"is {sklearn.__version__}. Retrain it.")
        if not card.get("data_hash"):
            raise ModelArtifactError(f"{path} has no training data hash in its card.")
        try:
            parts = _unpickled(payload["model"])
        except Exception as error:  # noqa: BLE001 — as above
            raise ModelArtifactError(f"{path} is not a readable swarmbot model ({error}). "
                                     "Retrain it with `swarmbot model train`.") from None
        return cls(index=parts["index"], blend=parts["blend"], card=card,
                   specialties=parts.get("specialties", []),
                   past_cases=parts.get("past_cases", []), forecast=parts.get("forecast"))


def _unpickled(blob: bytes) -> Any:
    """pickle.loads with the cyclic garbage collector paused: a large history's 100k past
    cases would otherwise set off collections that walk everything loaded so far."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(blob)
    finally:
        if enabled:
            gc.enable()


def _topic(index: ExpertIndex, similar: np.ndarray, case: CaseQuery) -> str:
    """The most telling label the similar cases share: the deepest common tag, or service."""
    tags = Counter(index.case_tags[n] for n in similar if index.case_tags[n])
    if tags:
        tag, count = tags.most_common(1)[0]
        if count * 2 >= len(similar):
            return f"`{tag.rsplit('/', 1)[-1]}` "
    services = Counter(index.case_services[n] for n in similar if index.case_services[n])
    if services:
        service, count = services.most_common(1)[0]
        if count * 2 >= len(similar):
            return f"`{service}` "
    return ""


def _specialties(index: ExpertIndex) -> list[str]:
    """Each expert's main area: the tag path (or service) of most of their weighted cases."""
    best: list[tuple[float, str]] = [(0.0, "") for _ in index.experts]
    for groups in (index.services, index.tags):
        for key, (experts, weights) in groups.items():
            for e, w in zip(experts, weights[:, -1], strict=True):
                depth_bonus = 1.0 + 0.1 * key.count("/")
                if w * depth_bonus > best[e][0]:
                    best[e] = (w * depth_bonus, key)
    return [key for _, key in best]


def _fit_blend(records: Sequence[HistoryRecord], *, progress: bool) -> tuple[Blend, int]:
    """Fit the blend on the newest BLEND_SLICE of the history, features from the rest.

    A conditional logit: for each case, a softmax over its candidate experts, fit to give
    the true main resolver the highest probability (a listwise ranking objective)."""
    cut = int(len(records) * (1 - BLEND_SLICE))
    base, tune = records[:cut], records[cut:]
    if len(base) < 50 or len(tune) < 20:
        return Blend.prior_only(), 0
    index = ExpertIndex.build(base)
    tune = [r for r in tune if r.resolvers[0] in index.expert_ids][-MAX_BLEND_CASES:]
    if len(tune) < 20:
        return Blend.prior_only(), 0
    styles = index.style_features([(r.title, r.description, r.service, r.tags) for r in tune])
    groups = []
    for record, style in tqdm(zip(tune, styles, strict=True), total=len(tune),
                              desc="fitting the blend", disable=not progress, unit="case"):
        features, _, _ = index.features(record.title, record.description, record.service,
                                        record.tags, style=style,
                                        at=record.created_at.timestamp())
        positive = index.expert_ids[record.resolvers[0]]
        quick = features[:, FEATURES.index("activity_90d")] + features[:, FEATURES.index(
            "similar_1y")]
        count = min(CANDIDATES, len(quick))
        candidates = np.argpartition(-quick, count - 1)[:count]
        candidates = np.union1d(candidates, [positive])
        groups.append((features[candidates], int(np.searchsorted(candidates, positive))))
    stacked = np.vstack([g for g, _ in groups])
    mean = stacked.mean(axis=0)
    scale = stacked.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    tensors = [((g - mean) / scale, pos) for g, pos in groups]
    weights = _conditional_logit(tensors, len(FEATURES))
    return Blend(weights, 0.0, mean, scale), len(tune)


def _conditional_logit(groups: list[tuple[np.ndarray, int]], dims: int) -> np.ndarray:
    """Weights maximising the mean log-probability of each case's true resolver under a
    softmax over its candidates (L2-regularised), by L-BFGS on a padded tensor."""
    from scipy.optimize import minimize

    width = max(len(g) for g, _ in groups)
    tensor = np.zeros((len(groups), width, dims))
    mask = np.zeros((len(groups), width), dtype=bool)
    positives = np.zeros(len(groups), dtype=int)
    for n, (features, positive) in enumerate(groups):
        tensor[n, : len(features)] = features
        mask[n, : len(features)] = True
        positives[n] = positive
    chosen = tensor[np.arange(len(groups)), positives]          # G x F
    chosen_mean = chosen.mean(axis=0)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        logits = np.where(mask, tensor @ w, -np.inf)
        top = logits.max(axis=1, keepdims=True)
        probs = np.exp(logits - top)
        norm = probs.sum(axis=1, keepdims=True)
        probs /= norm
        log_norm = np.log(norm[:, 0]) + top[:, 0]
        total = float(np.mean(log_norm - chosen @ w)) + L2 * float(w @ w)
        grad = np.einsum("gc,gcf->f", probs, tensor) / len(groups) - chosen_mean + 2 * L2 * w
        return total, grad

    result = minimize(loss, np.zeros(dims), jac=True, method="L-BFGS-B",
                      options={"maxiter": 300})
    return result.x  # type: ignore[no-any-return]  # scipy.optimize has no stubs

"""The expertise index: what the history says about each expert, as matrices, with every
past case weighted by how recent it is (expertise and presence drift: people who stopped
resolving fade).

All time weights are relative to the newest case in the index (`t_ref`): a case `d` days
older weighs `0.5 ** (d / half_life)`. Features are shares and normalised sums, so the
ranking for a query does not depend on when it is asked."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from skills_index.history import HistoryRecord

DAY = 86400.0
SHORT_HALF_LIFE_DAYS = 90.0
LONG_HALF_LIFE_DAYS = 365.0
NEIGHBOURS = 50
HELPER_WEIGHT = 0.5  # a resolver who is not the main one counts half

_WORD = re.compile(r"[a-z0-9][a-z0-9_+#.\-]*[a-z0-9+#]|[a-z0-9]")

FEATURES = ("activity_long", "activity_short", "recent", "neighbours_short",
            "neighbours_long", "neighbour_best", "service", "tags", "profile")
LOG_FEATURES = [1, 2, 3, 4, 6, 7]
LOG_FLOOR = 1e-4


def case_tokens(title: str, description: str, service: str, tags: Sequence[str]) -> list[str]:
    """Words and word pairs of the text, plus `svc:` and `tag:` tokens (tag path prefixes)."""
    words = _WORD.findall(f"{title} {description[:2000]}".lower())
    tokens = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    for part in re.split(r"[|,]", service.lower()):
        if part.strip():
            tokens.append(f"svc:{part.strip()}")
    tokens += [f"tag:{p}" for p in tag_prefixes(tags)]
    return tokens


def tag_prefixes(tags: Sequence[str]) -> list[str]:
    """`("cpp", "arrow", "compute")` → `cpp`, `cpp/arrow`, `cpp/arrow/compute`."""
    return ["/".join(tags[: n + 1]) for n in range(len(tags))]


def service_keys(service: str) -> list[str]:
    return [p.strip() for p in re.split(r"[|,]", service.lower()) if p.strip()]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _decay(ages_days: np.ndarray, half_life: float) -> np.ndarray:
    return np.power(0.5, ages_days / half_life)


@dataclass
class ExpertIndex:
    experts: list[str]
    expert_ids: dict[str, int]
    t_ref: float
    vectorizer: TfidfVectorizer
    cases_by_term: sparse.csc_matrix     # N x V, rows L2-normalised
    resolved_by: sparse.csr_matrix       # N x E, main resolver 1, helpers HELPER_WEIGHT
    weight_short: np.ndarray             # N
    weight_long: np.ndarray              # N
    activity_long: np.ndarray            # E
    activity_short: np.ndarray           # E
    last_seen: np.ndarray                # E, seconds
    profiles: sparse.csr_matrix          # E x V, L2-normalised
    services: dict[str, tuple[np.ndarray, np.ndarray, float]]   # key → (experts, weights, total)
    tags: dict[str, tuple[np.ndarray, np.ndarray, float]]
    case_times: np.ndarray               # N, seconds
    case_services: list[str]
    case_tags: list[str]

    @classmethod
    def build(cls, records: Sequence[HistoryRecord]) -> ExpertIndex:
        records = sorted(records, key=lambda r: r.created_at)
        experts = sorted({p for r in records for p in r.resolvers})
        expert_ids = {e: i for i, e in enumerate(experts)}
        times = np.array([r.created_at.timestamp() for r in records], dtype=float)
        t_ref = float(times.max()) if len(times) else 0.0
        ages = (t_ref - times) / DAY
        weight_short = _decay(ages, SHORT_HALF_LIFE_DAYS)
        weight_long = _decay(ages, LONG_HALF_LIFE_DAYS)

        vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=2,
                                     dtype=np.float32)
        docs = [case_tokens(r.title, r.description, r.service, r.tags) for r in records]
        matrix = vectorizer.fit_transform(docs)
        matrix = normalize(matrix).astype(np.float32)

        rows, cols, vals = [], [], []
        for n, record in enumerate(records):
            for rank, person in enumerate(record.resolvers):
                rows.append(n)
                cols.append(expert_ids[person])
                vals.append(1.0 if rank == 0 else HELPER_WEIGHT)
        resolved_by = sparse.csr_matrix((vals, (rows, cols)), shape=(len(records), len(experts)))

        activity_long = np.asarray(resolved_by.T @ weight_long).ravel()
        activity_short = np.asarray(resolved_by.T @ weight_short).ravel()
        last_seen = np.zeros(len(experts))
        for n, record in enumerate(records):
            for person in record.resolvers:
                last_seen[expert_ids[person]] = times[n]
        weighted = sparse.diags(weight_long) @ matrix
        profiles = normalize(resolved_by.T @ weighted).astype(np.float32).tocsr()

        return cls(
            experts=experts, expert_ids=expert_ids, t_ref=t_ref, vectorizer=vectorizer,
            cases_by_term=matrix.tocsc(), resolved_by=resolved_by, weight_short=weight_short,
            weight_long=weight_long, activity_long=activity_long, activity_short=activity_short,
            last_seen=last_seen, profiles=profiles,
            services=_grouped(records, resolved_by, weight_long,
                              lambda r: service_keys(r.service)),
            tags=_grouped(records, resolved_by, weight_long, lambda r: tag_prefixes(r.tags)),
            case_times=times, case_services=[r.service for r in records],
            case_tags=["/".join(r.tags) for r in records])

    # -- per query -------------------------------------------------------------------------
    def vector(self, title: str, description: str, service: str, tags: Sequence[str]
               ) -> sparse.csr_matrix:
        return normalize(self.vectorizer.transform([case_tokens(title, description, service,
                                                                tags)]))

    def neighbours(self, query: sparse.csr_matrix, k: int = NEIGHBOURS
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Indices and cosine similarities of the k most similar past cases."""
        terms, values = query.indices, query.data
        if len(terms) == 0 or self.cases_by_term.shape[0] == 0:
            return np.array([], dtype=int), np.array([])
        sims = np.asarray(self.cases_by_term[:, terms] @ values).ravel()
        k = min(k, len(sims))
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[sims[top] > 0]
        order = np.argsort(-sims[top], kind="stable")
        return top[order], sims[top[order]]

    def features(self, title: str, description: str, service: str, tags: Sequence[str]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """E x F feature matrix for every expert, plus the neighbours used (for reasons)."""
        n_experts = len(self.experts)
        query = self.vector(title, description, service, tags)
        hood, sims = self.neighbours(query)
        out = np.zeros((n_experts, len(FEATURES)), dtype=np.float64)
        out[:, 0] = np.log1p(self.activity_long)
        out[:, 1] = self.activity_short / max(self.activity_short.sum(), 1e-12)
        out[:, 2] = np.power(0.5, (self.t_ref - self.last_seen) / DAY / SHORT_HALF_LIFE_DAYS)
        if len(hood):
            votes = self.resolved_by[hood]
            for column, weights in ((3, self.weight_short), (4, self.weight_long)):
                strength = sims * weights[hood]
                total = strength.sum()
                if total > 0:
                    out[:, column] = np.asarray(votes.T @ strength).ravel() / total
            best = votes.multiply(sims[:, None]).max(axis=0)
            out[:, 5] = best.toarray().ravel()
        out[:, 6] = self._share(self.services, service_keys(service), n_experts)
        out[:, 7] = self._tag_share(self.tags, tag_prefixes(tags), n_experts)
        out[:, 8] = np.asarray((self.profiles @ query.T).todense()).ravel()
        # Shares combine as evidence, so the blend sees them in log space (a log-linear model).
        out[:, LOG_FEATURES] = np.log(out[:, LOG_FEATURES] + LOG_FLOOR)
        return out, hood, sims

    @staticmethod
    def _share(groups: dict[str, tuple[np.ndarray, np.ndarray, float]], keys: list[str],
               n_experts: int) -> np.ndarray:
        share = np.zeros(n_experts)
        found = 0
        for key in keys:
            if key in groups:
                experts, weights, total = groups[key]
                share[experts] += weights / total
                found += 1
        return share / found if found else share

    @staticmethod
    def _tag_share(groups: dict[str, tuple[np.ndarray, np.ndarray, float]], prefixes: list[str],
                   n_experts: int) -> np.ndarray:
        share = np.zeros(n_experts)
        depth_total = 0.0
        for depth, prefix in enumerate(prefixes, start=1):
            if prefix in groups:
                experts, weights, total = groups[prefix]
                share[experts] += depth * weights / total
                depth_total += depth
        return share / depth_total if depth_total else share


def _grouped(records: Sequence[HistoryRecord], resolved_by: sparse.csr_matrix,
             weights: np.ndarray, keys_of: object) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """key → (expert indices, decayed weights, total) for service or tag-prefix groups."""
    members: dict[str, list[int]] = {}
    for n, record in enumerate(records):
        for key in keys_of(record):  # type: ignore[operator]
            members.setdefault(key, []).append(n)
    grouped = {}
    for key, rows in members.items():
        rows_array = np.array(rows)
        sums = np.asarray(resolved_by[rows_array].T @ weights[rows_array]).ravel()
        nonzero = np.nonzero(sums)[0]
        total = float(sums.sum())
        if total > 0:
            grouped[key] = (nonzero, sums[nonzero], total)
    return grouped


def age_text(seconds: float) -> str:
    days = seconds / DAY
    if days < 1:
        return "today"
    if days < 14:
        return f"{int(days)} day{'s' if int(days) != 1 else ''} ago"
    if days < 60:
        return f"{int(days // 7)} weeks ago"
    if days < 730:
        return f"{int(days // 30)} months ago"
    return f"{int(days // 365)} years ago"


def to_seconds(moment: datetime) -> float:
    return moment.timestamp()

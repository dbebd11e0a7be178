"""Similar past cases: the resolved cases closest to a new one in the expertise index (the
same TF-IDF space the recommender's neighbour votes come from), so the owner starts from
what worked before."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from skills_index.history import HistoryRecord
from skills_index.index import ExpertIndex

MIN_SIMILARITY = 0.25  # below this a "similar" case shares little more than its service


@dataclass(frozen=True)
class PastCase:
    """What the owner needs to know of a resolved case, kept in the model artifact."""

    id: str
    title: str
    created_at: datetime
    resolved_at: datetime | None
    resolvers: tuple[str, ...]
    summary: str

    @classmethod
    def of(cls, record: HistoryRecord) -> PastCase:
        return cls(id=record.id, title=record.title, created_at=record.created_at,
                   resolved_at=record.resolved_at, resolvers=record.resolvers,
                   summary=record.summary)


@dataclass(frozen=True)
class SimilarCase:
    case: PastCase
    similarity: float


def find_similar(index: ExpertIndex, past: Sequence[PastCase], *, title: str,
                 description: str, service: str, tags: Sequence[str], k: int = 3,
                 exclude: Collection[str] = (),
                 min_similarity: float = MIN_SIMILARITY) -> list[SimilarCase]:
    """The `k` most similar past cases, most similar first (ties: the newer first)."""
    if k <= 0 or not past:
        return []
    query = index.vector(title, description, service, tags)
    hood, sims = index.neighbours(query, k=k + len(exclude) + 5)
    found = [(past[n], float(s)) for n, s in zip(hood, sims, strict=True)
             if s >= min_similarity and past[n].id not in exclude]
    found.sort(key=lambda pair: (-round(pair[1], 6), -pair[0].created_at.timestamp()))
    return [SimilarCase(case, round(similarity, 3)) for case, similarity in found[:k]]

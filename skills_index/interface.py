"""What the expert model is asked (CaseQuery), answers (Recommendation) and raises for a bad
model file (ModelArtifactError), and what the bot uses of it (Recommender) — plain Python, so
the services, the re-ranking and the CLI use them without importing numpy, SciPy or
scikit-learn (skills_index.model does, when a model is trained or loaded)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from skills_index.similar import SimilarCase


class ModelArtifactError(Exception):
    """A model file is missing, corrupt or from an incompatible version; says what to do."""


@dataclass(frozen=True)
class CaseQuery:
    id: str
    title: str
    description: str = ""
    service: str = ""
    severity: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recommendation:
    expert: str
    score: float
    why: str
    specialty: str = ""  # what this expert mostly resolves, for a diverse swarm


class Recommender(Protocol):
    """What the services ask of the expert model (skills_index.model.ExpertModel is one)."""

    def recommend(self, case: CaseQuery, top: int = 5, exclude: Collection[str] = ()
                  ) -> list[Recommendation]:
        """The `top` experts most likely to resolve `case`, best first, none in `exclude`."""

    def similar(self, case: CaseQuery, k: int = 3, exclude: Collection[str] = ()
                ) -> Sequence[SimilarCase]:
        """The `k` resolved cases most like `case`, none whose id is in `exclude`."""

    def needs_help(self, case: CaseQuery) -> float | None:
        """How likely `case` needs more than one person (None: no forecast trained)."""

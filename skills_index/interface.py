"""What the expert model is asked (CaseQuery), answers (Recommendation) and raises for a bad
model file (ModelArtifactError) — plain Python, so the services, the re-ranking and the CLI
use them without importing numpy, SciPy or scikit-learn (skills_index.model does, when a
model is trained or loaded)."""

from __future__ import annotations

from dataclasses import dataclass


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


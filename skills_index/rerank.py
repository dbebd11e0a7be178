"""Re-ranking for a real swarm: who can come now (not the owner, not away, not outside
working hours, not already in too many swarms), who declared a matching skill, and a small
set that covers the case rather than several copies of one specialty."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from skills_index.interface import CaseQuery, Recommendation
from skills_index.text import normalize, words

SKILL_BOOST = 1.0      # added to the score (blend units) when a declared skill matches
SAME_SPECIALTY = 0.75  # subtracted per expert already chosen with the same specialty


@dataclass
class ExpertProfile:
    expert: str
    skills: frozenset[str] = field(default_factory=frozenset)
    away: bool = False
    outside_working_hours: bool = False
    open_swarms: int = 0


def case_words(case: CaseQuery) -> set[str]:
    found = set(words(f"{case.title} {case.description}"))
    found |= {normalize(t) for t in case.tags}
    found |= {p.strip() for p in re.split(r"[|,/ ]", normalize(case.service)) if p.strip()}
    return found


def rerank(recommendations: Sequence[Recommendation], *, case: CaseQuery,
           profiles: Mapping[str, ExpertProfile], owner: str | None, k: int,
           max_open_swarms: int = 3) -> list[Recommendation]:
    said = case_words(case)
    pool = []
    for rec in recommendations:
        profile = profiles.get(rec.expert) or ExpertProfile(rec.expert)
        if rec.expert == owner or profile.away or profile.outside_working_hours \
                or profile.open_swarms >= max_open_swarms:
            continue
        matched = sorted(s for s in profile.skills if normalize(s) in said)
        if matched:
            skills = ", ".join(f"`{s}`" for s in matched[:2])
            rec = replace(rec, score=rec.score + SKILL_BOOST,
                          why=f"{rec.why}; declares {skills}")
        pool.append(rec)
    chosen: list[Recommendation] = []
    taken: Counter[str] = Counter()
    while pool and len(chosen) < k:
        best = max(pool, key=lambda r: r.score - SAME_SPECIALTY * taken[r.specialty or r.expert])
        pool.remove(best)
        chosen.append(best)
        taken[best.specialty or best.expert] += 1
    return chosen

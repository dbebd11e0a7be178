"""Re-ranking for a real swarm: who can come now (not the owner, not away, not outside
working hours, not already in too many swarms), who declared a matching skill, and a small
set that covers the case rather than several copies of one specialty."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from skills_index.interface import CaseQuery, Recommendation

SKILL_BOOST = 1.0      # added to the score (blend units) when a declared skill matches
SAME_SPECIALTY = 0.75  # subtracted per expert already chosen with the same specialty
_WORD = re.compile(r"[a-z0-9][a-z0-9+#.\-]*")


@dataclass
class ExpertProfile:
    expert: str
    skills: frozenset[str] = field(default_factory=frozenset)
    away: bool = False
    outside_working_hours: bool = False
    open_swarms: int = 0


def case_words(case: CaseQuery) -> set[str]:
    words = set(_WORD.findall(f"{case.title} {case.description}".lower()))
    words |= {t.lower() for t in case.tags}
    words |= {p.strip() for p in re.split(r"[|,/ ]", case.service.lower()) if p.strip()}
    return words


def rerank(recommendations: Sequence[Recommendation], *, case: CaseQuery,
           profiles: Mapping[str, ExpertProfile], owner: str | None, k: int,
           max_open_swarms: int = 3) -> list[Recommendation]:
    words = case_words(case)
    pool = []
    for rec in recommendations:
        profile = profiles.get(rec.expert) or ExpertProfile(rec.expert)
        if rec.expert == owner or profile.away or profile.outside_working_hours \
                or profile.open_swarms >= max_open_swarms:
            continue
        matched = sorted(s for s in profile.skills if s.lower() in words)
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

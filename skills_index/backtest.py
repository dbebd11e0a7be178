"""Should a retrained model replace the one in use? A backtest on the newest cases: hold out
the newest share of the history that the model in use has not learned from, train the
challenger on everything else, and compare how often each one has a held-out case's main
resolver in its top 5. Both are scored on cases neither has seen, and the challenger has
learned from at least what the model in use did — so a lower score means a worse model, not
a model that saw fewer answers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from skills_index.history import HistoryRecord
from skills_index.interface import CaseQuery

if TYPE_CHECKING:
    from skills_index.model import ExpertModel

HOLDOUT_SHARE = 0.20  # the newest share of the history held out
MAX_HOLDOUT = 2000  # at most this many of the newest (a large history's backtest stays quick)
TOP = 5

Trainer = Callable[[Sequence[HistoryRecord]], "ExpertModel"]


@dataclass(frozen=True)
class Backtest:
    cases: int         # held-out cases both models were scored on
    current_top5: float
    new_top5: float

    @property
    def worse(self) -> bool:
        """The new model found fewer main resolvers in its top 5 than the one in use."""
        return self.new_top5 < self.current_top5


def holdout(records: Sequence[HistoryRecord], seen: set[str], share: float = HOLDOUT_SHARE
            ) -> tuple[list[HistoryRecord], list[HistoryRecord]]:
    """(train, test): test is the newest `share` of the records (at most MAX_HOLDOUT), less
    those whose id is in `seen` (what the model in use learned from); train is all the
    others."""
    ordered = sorted((r for r in records if r.resolvers), key=lambda r: (r.created_at, r.id))
    newest = ordered[int(len(ordered) * (1 - share)):][-MAX_HOLDOUT:]
    test = [r for r in newest if r.id not in seen]
    held = {r.id for r in test}
    return [r for r in ordered if r.id not in held], test


def top5(model: ExpertModel, cases: Sequence[HistoryRecord]) -> float:
    """Share of `cases` whose main resolver is in the model's top 5, asked as of each case's
    time."""
    hits = 0
    for case in cases:
        query = CaseQuery(id=case.id, title=case.title, description=case.description,
                          service=case.service, severity=case.severity, tags=case.tags)
        ranked = [r.expert for r in model.recommend(query, top=TOP, now=case.created_at)]
        hits += case.resolvers[0] in ranked
    return hits / len(cases) if cases else 0.0


def backtest(current: ExpertModel, records: Sequence[HistoryRecord], train: Trainer
             ) -> Backtest | None:
    """Score the model in use against a challenger trained by `train`; None when every one
    of the newest cases is one the model in use learned from (nothing new to judge on)."""
    seen = {case.id for case in current.past_cases}
    training, test = holdout(records, seen)
    if not test or not training:
        return None
    challenger = train(training)
    return Backtest(len(test), round(top5(current, test), 4), round(top5(challenger, test), 4))

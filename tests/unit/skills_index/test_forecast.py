"""The forecast of needing more than one person, on histories where the answer is known."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from skills_index.forecast import SwarmForecast, evaluate_forecast
from skills_index.history import HistoryRecord
from skills_index.model import CaseQuery, ExpertModel
from tests.unit.skills_index.conftest import NOW

HARD = ("database failover did not complete", "split brain between data centres",
        "payment double charges after retry storm")
EASY = ("typo on the pricing page", "broken link in the footer", "logo renders blurry")


def _history(count: int = 300, *, noise: float = 0.1, seed: int = 5) -> list[HistoryRecord]:
    """Hard problems took two people, easy ones one (with some noise); every service has both,
    so only the words tell them apart."""
    rng = random.Random(seed)
    records = []
    for n in range(count):
        hard = rng.random() < 0.4
        title = rng.choice(HARD if hard else EASY)
        helped = hard if rng.random() > noise else not hard
        records.append(HistoryRecord(
            id=f"C-{n}", title=f"{title} ({n})", description="",
            service=rng.choice(["web", "db", "payments"]), severity="sev3", tags=(),
            created_at=NOW - timedelta(days=count - n), resolved_at=None, owner="",
            resolvers=("ann", "bob") if helped else (rng.choice(["ann", "bob"]),)))
    return records


def test_cases_that_took_two_people_before_are_forecast_to_need_help() -> None:
    forecast = SwarmForecast.train(_history())
    assert forecast is not None
    hard = forecast.probability(title="database failover did not complete", description="",
                                service="web", severity="sev3", tags=())
    easy = forecast.probability(title="broken link in the footer", description="",
                                service="web", severity="sev3", tags=())
    assert hard > 0.6 > 0.3 > easy


def test_no_forecast_from_a_history_that_cannot_teach_one() -> None:
    alike = [r for r in _history() if len(r.resolvers) == 1]
    assert SwarmForecast.train(alike) is None
    assert SwarmForecast.train(_history(10)) is None
    model = ExpertModel.train(alike, now=NOW)
    assert model.needs_help(CaseQuery(id="x", title="database failover")) is None


def test_the_model_carries_the_forecast_and_its_card_says_what_it_predicts() -> None:
    model = ExpertModel.train(_history(), now=NOW)
    assert model.needs_help(CaseQuery(id="x", title="split brain between data centres")) > 0.6
    assert model.card["forecast"]["label"] == "more than one resolver"


def test_the_evaluation_scores_the_forecast_above_the_per_service_baseline() -> None:
    train, test, rate, (forecast, baseline) = evaluate_forecast(_history(), threshold=0.5)
    assert (train, test) == (240, 60) and 0.2 < rate < 0.7
    assert forecast.roc_auc > 0.8 and baseline.roc_auc < 0.7
    assert forecast.precision > 0.7 and forecast.recall > 0.7
    with pytest.raises(ValueError, match="too small or too uniform"):
        evaluate_forecast([r for r in _history() if len(r.resolvers) == 1])

def test_the_forecast_is_the_classifiers_own_probability_for_known_and_unseen_values() -> None:
    """The shortcut from the weights says exactly what the trained classifier says — also
    for a service, severity or tag the history never had."""
    from scipy import sparse

    forecast = SwarmForecast.train(_history())
    assert forecast is not None
    cases = [("database failover did not complete", "", "db", "sev3", ()),
             ("logo renders blurry", "after deploy", "unheard-of", "sev1", ("web", "css")),
             ("", "", "", "", ())]
    encoded = sparse.hstack([
        forecast.words.transform([f"{t} {d}" for t, d, _, _, _ in cases]),
        forecast.categories.transform([[s.lower() or "-", v.lower() or "-",
                                        "/".join(g[:2]).lower() or "-"]
                                       for _, _, s, v, g in cases])]).tocsr()
    expected = forecast.classifier.predict_proba(encoded)[:, 1]
    assert forecast.probabilities(cases) == pytest.approx(expected, abs=1e-9)

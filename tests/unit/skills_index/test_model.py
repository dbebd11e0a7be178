from pathlib import Path

import joblib
import pytest

from skills_index.history import HistoryRecord
from skills_index.model import CaseQuery, ExpertModel, ModelArtifactError
from tests.unit.skills_index.conftest import NOW

DB_CASE = CaseQuery(id="q1", title="postgres replication lag on the replica", service="db",
                    tags=("db", "prod"))


@pytest.fixture
def model(history: list[HistoryRecord]) -> ExpertModel:
    return ExpertModel.train(history, now=NOW)


def test_the_recent_expert_on_similar_cases_ranks_first(model: ExpertModel) -> None:
    ranking = model.recommend(DB_CASE, top=5, now=NOW)
    assert ranking[0].expert == "dora"
    assert "similar" in ranking[0].why and "ago" in ranking[0].why
    assert ranking == sorted(ranking, key=lambda r: -r.score)


def test_someone_who_stopped_resolving_fades(model: ExpertModel) -> None:
    ranking = [r.expert for r in model.recommend(DB_CASE, top=5, now=NOW)]
    assert ranking.index("dora") < ranking.index("olga")


def test_other_topics_go_to_their_experts(model: ExpertModel) -> None:
    search = CaseQuery(id="q2", title="elasticsearch shard unassigned", service="search",
                       tags=("search",))
    assert model.recommend(search, top=1, now=NOW)[0].expert == "sami"
    web = CaseQuery(id="q3", title="homepage 500 error", service="web", tags=("web",))
    assert {r.expert for r in model.recommend(web, top=2, now=NOW)} == {"wes", "wendy"}


def test_excluded_people_are_never_recommended(model: ExpertModel) -> None:
    ranking = model.recommend(DB_CASE, top=5, exclude={"dora", "nobody"}, now=NOW)
    assert "dora" not in [r.expert for r in ranking] and len(ranking) == 4


def test_training_is_deterministic(history: list[HistoryRecord]) -> None:
    first = ExpertModel.train(history, now=NOW).recommend(DB_CASE, top=5, now=NOW)
    second = ExpertModel.train(list(reversed(history)), now=NOW).recommend(DB_CASE, top=5, now=NOW)
    assert first == second


def test_artifact_round_trip_with_a_card(model: ExpertModel, tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    model.save(path)
    loaded = ExpertModel.load(path)
    assert loaded.recommend(DB_CASE, now=NOW) == model.recommend(DB_CASE, now=NOW)
    card = loaded.card
    assert card["training_cases"] == 200 and len(card["data_hash"]) == 64
    assert "scikit-learn" in card["libraries"]
    assert (tmp_path / "model.joblib.card.json").is_file()


def test_missing_corrupt_and_incompatible_artifacts_are_refused(model: ExpertModel,
                                                               tmp_path: Path) -> None:
    with pytest.raises(ModelArtifactError, match="No model at"):
        ExpertModel.load(tmp_path / "none.joblib")
    corrupt = tmp_path / "corrupt.joblib"
    corrupt.write_bytes(b"not a model at all")
    with pytest.raises(ModelArtifactError, match="not a readable swarmbot model"):
        ExpertModel.load(corrupt)
    path = tmp_path / "old.joblib"
    model.save(path)
    payload = joblib.load(path)
    payload["card"]["format_version"] = 0
    joblib.dump(payload, path)
    with pytest.raises(ModelArtifactError, match="Retrain"):
        ExpertModel.load(path)
    payload["card"]["format_version"] = model.card["format_version"]
    payload["card"]["libraries"]["scikit-learn"] = "0.1.0"
    joblib.dump(payload, path)
    with pytest.raises(ModelArtifactError, match="scikit-learn 0.1.0"):
        ExpertModel.load(path)


def test_a_case_is_vectorised_exactly_as_the_index_vectorised_its_history(
        model: ExpertModel) -> None:
    """The per-case shortcut gives the vectorizer's own TF-IDF row: repeated words (sublinear
    counts), unknown words, service and tag tokens, an empty case."""
    from sklearn.preprocessing import normalize

    from skills_index.index import case_tokens

    index = model.index
    cases = [("postgres replication lag lag lag", "vacuum blocked since deploy", "db",
              ("db", "prod")),
             ("never seen words only", "", "nowhere", ()),
             ("", "", "", ())]
    for case in cases:
        expected = normalize(index.vectorizer.transform([case_tokens(*case)])).toarray()
        assert index.vector(*case).toarray() == pytest.approx(expected, abs=1e-6)
    assert index.vector(*cases[0]).nnz > 3

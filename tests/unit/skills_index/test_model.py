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


def test_who_writes_titles_the_way_the_case_is_written_ranks_first() -> None:
    """Two people resolve the same kind of cases with the same words; one writes titles
    `Capitalised like this.`, the other `all lower case`: a new case written in one style goes
    to its writer first (the main resolver usually wrote the ticket)."""
    import random
    from datetime import timedelta

    from tests.unit.skills_index.conftest import TOPICS

    rng = random.Random(5)
    records = []
    for n in range(160):
        writer = ("kai", "lea")[n % 2]
        words = rng.choice(TOPICS["db"])
        title = f"{words[0].upper()}{words[1:]}." if writer == "kai" else words
        records.append(HistoryRecord(
            id=f"c{n}", title=title, description="", service="db", severity="sev3",
            tags=("db",), created_at=NOW - timedelta(days=rng.uniform(1, 200)),
            resolved_at=None, owner="", resolvers=(writer,)))
    model = ExpertModel.train(records, now=NOW)
    capitalised = CaseQuery(id="q4", title="Vacuum blocked on the replica.", service="db",
                            tags=("db",))
    lower = CaseQuery(id="q5", title="vacuum blocked on the replica", service="db",
                      tags=("db",))
    assert model.recommend(capitalised, top=1, now=NOW)[0].expert == "kai"
    assert model.recommend(lower, top=1, now=NOW)[0].expert == "lea"


def test_a_case_goes_to_the_person_who_resolves_at_that_hour_of_day() -> None:
    """Two people resolve the same kind of cases, one in Sydney's working day (UTC night),
    one in Berlin's: a case that comes at 02:00 UTC goes to the first, one at 14:00 to the
    second."""
    import random
    from datetime import timedelta

    from tests.unit.skills_index.conftest import TOPICS

    rng = random.Random(7)
    records = []
    for n in range(600):
        person, hour = ("ana", rng.uniform(0, 6)) if n % 2 else ("ben", rng.uniform(9, 16))
        day = NOW.replace(hour=0, minute=0) - timedelta(days=rng.randint(1, 300))
        records.append(HistoryRecord(
            id=f"c{n}", title=rng.choice(TOPICS["db"]), description="", service="db",
            severity="sev3", tags=("db",), created_at=day + timedelta(hours=hour),
            resolved_at=None, owner="", resolvers=(person,)))
    model = ExpertModel.train(records, now=NOW)
    case = CaseQuery(id="q6", title="connection pool exhausted", service="db", tags=("db",))
    assert model.recommend(case, top=1, now=NOW.replace(hour=2))[0].expert == "ana"
    assert model.recommend(case, top=1, now=NOW.replace(hour=14))[0].expert == "ben"


def test_the_blend_learns_from_the_features_a_recommendation_sees(model: ExpertModel) -> None:
    """The blend's training cases get their style and classifier columns in one batch; a
    recommendation computes them for its case alone: both must agree."""
    cases = [("postgres replication lag", "", "db", ("db", "prod")),
             ("Homepage 500 error.", "since `deploy()`", "web", ("web",)),
             ("never seen words only", "", "nowhere", ())]
    batch = model.index.style_features(cases)
    for case, row in zip(cases, batch, strict=True):
        alone, _, _ = model.index.features(*case)
        assert model.index.features(*case, style=row)[0] == pytest.approx(alone, abs=1e-5)

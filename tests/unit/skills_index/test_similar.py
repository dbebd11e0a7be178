"""Similar past cases on a small history whose neighbours are known."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from skills_index.history import HistoryRecord
from skills_index.model import CaseQuery, ExpertModel
from tests.unit.skills_index.conftest import NOW, make_history


def _case(id: str, title: str, service: str, days: float, resolvers: tuple[str, ...],
          summary: str = "") -> HistoryRecord:
    return HistoryRecord(id=id, title=title, description="", service=service, severity="sev2",
                         tags=(service,), created_at=NOW - timedelta(days=days),
                         resolved_at=NOW - timedelta(days=days, hours=-3), owner="",
                         resolvers=resolvers, summary=summary)


KNOWN = [
    _case("INC-1", "Kafka consumer lag on the orders topic", "orders", 30, ("kai",),
          "Restarted the stuck consumer group"),
    _case("INC-2", "Kafka consumer lag on the payments topic", "payments", 5, ("kai", "pia"),
          "Added partitions and consumers"),
    _case("INC-3", "TLS certificate expired on the api gateway", "infra", 10, ("ian",),
          "Renewed the certificate"),
    _case("INC-4", "Orders consumer lag after deploy", "orders", 60, ("oli",)),
]


def _model(extra: list[HistoryRecord] = ()) -> ExpertModel:  # type: ignore[assignment]
    background = make_history({"dora": ("db", 60, 1), "wes": ("web", 90, 1)}, per_person=20)
    return ExpertModel.train([*background, *KNOWN, *extra], now=NOW)


def test_the_nearest_resolved_cases_come_first_with_who_and_how() -> None:
    found = _model().similar(CaseQuery(id="new", title="Kafka consumer lag on the orders topic "
                                       "again", service="orders", tags=("orders",)), k=3)
    assert [s.case.id for s in found][:2] == ["INC-1", "INC-2"]
    first = found[0]
    assert first.case.resolvers == ("kai",)
    assert first.case.summary == "Restarted the stuck consumer group"
    assert first.similarity > found[1].similarity
    assert "INC-3" not in [s.case.id for s in found]  # the certificate case is not like it


def test_excluded_cases_are_skipped_and_unrelated_text_finds_nothing() -> None:
    model = _model()
    query = CaseQuery(id="new", title="Kafka consumer lag on the orders topic",
                      service="orders", tags=("orders",))
    assert [s.case.id for s in model.similar(query, exclude={"INC-1"})][0] == "INC-2"
    assert model.similar(CaseQuery(id="x", title="quarterly budget spreadsheet")) == []
    assert model.similar(query, k=0) == []


def test_similar_cases_survive_saving_and_loading_the_model(tmp_path: Path) -> None:
    model = _model()
    model.save(tmp_path / "m.joblib")
    loaded = ExpertModel.load(tmp_path / "m.joblib")
    query = CaseQuery(id="new", title="TLS certificate expired on the login service",
                      service="infra", tags=("infra",))
    assert [s.case.id for s in loaded.similar(query, k=1)] == ["INC-3"]
    assert loaded.similar(query, k=1)[0].case.summary == "Renewed the certificate"


def test_japanese_titles_find_their_similar_cases_and_the_reason_names_the_area() -> None:
    """Before, a Japanese title had no words: nothing similar without a service, and the
    reason fell back to "active resolver (… mostly in ``)"."""
    japanese = [_case(f"JP-{n}", title, "payments", 3 + n, ("kenji",))
                for n, title in enumerate(("決済が失敗する", "カード決済がタイムアウトする",
                                           "決済の二重請求", "返金処理が失敗する"))]
    model = _model(japanese)
    query = CaseQuery(id="new", title="決済がまた失敗する")
    found = model.similar(query, k=3)
    assert found and found[0].case.id == "JP-0"
    best = model.recommend(query, top=1, now=NOW)[0]
    assert best.expert == "kenji"
    assert "similar `payments` case" in best.why and "``" not in best.why

from skills_index.interface import CaseQuery, Recommendation
from skills_index.rerank import ExpertProfile, rerank

CASE = CaseQuery(id="c", title="postgres deadlock", service="db", tags=("db",))


def _recs(*people: tuple[str, float, str]) -> list[Recommendation]:
    return [Recommendation(expert=e, score=s, why="resolved similar cases", specialty=spec)
            for e, s, spec in people]


def test_unavailable_people_and_the_owner_are_left_out() -> None:
    recs = _recs(("owner", 9, "db"), ("away", 8, "db"), ("night", 7, "db"), ("busy", 6, "db"),
                 ("ok", 1, "db"))
    profiles = {"away": ExpertProfile("away", away=True),
                "night": ExpertProfile("night", outside_working_hours=True),
                "busy": ExpertProfile("busy", open_swarms=3)}
    chosen = rerank(recs, case=CASE, profiles=profiles, owner="owner", k=3, max_open_swarms=3)
    assert [r.expert for r in chosen] == ["ok"]


def test_a_small_set_covers_different_specialties() -> None:
    recs = _recs(("a", 5.0, "db"), ("b", 4.9, "db"), ("c", 4.8, "db"), ("d", 4.5, "network"))
    chosen = rerank(recs, case=CASE, profiles={}, owner=None, k=2)
    assert [r.expert for r in chosen] == ["a", "d"]


def test_a_declared_matching_skill_lifts_and_is_given_as_a_reason() -> None:
    recs = _recs(("a", 5.0, "db"), ("b", 4.5, "db2"))
    profiles = {"b": ExpertProfile("b", skills=frozenset({"postgres", "golf"}))}
    chosen = rerank(recs, case=CASE, profiles=profiles, owner=None, k=2)
    assert chosen[0].expert == "b" and "declares `postgres`" in chosen[0].why
    assert "golf" not in chosen[0].why


def test_a_declared_japanese_skill_matches_a_japanese_title() -> None:
    recs = _recs(("a", 5.0, "db"), ("b", 4.5, "payments"))
    profiles = {"b": ExpertProfile("b", skills=frozenset({"決済"}))}
    case = CaseQuery(id="c", title="決済が失敗する", service="payments")
    chosen = rerank(recs, case=case, profiles=profiles, owner=None, k=2)
    assert chosen[0].expert == "b" and "declares `決済`" in chosen[0].why

import json
from pathlib import Path

from skills_index.cli import main
from tests.unit.skills_index.conftest import make_history

HEADER = "id,title,description,service,severity,tags,created_at,resolved_at,owner,resolvers\n"


def _write_history(path: Path) -> None:
    records = make_history({"dora": ("db", 400, 1), "sami": ("search", 400, 1),
                            "wes": ("web", 400, 1)}, per_person=60)
    lines = [f"{r.id},{r.title},,{r.service},,{';'.join(r.tags)},{r.created_at.isoformat()},,,"
             f"{';'.join(r.resolvers)}\n" for r in records]
    path.write_text(HEADER + "".join(lines))


def test_train_then_recommend_writes_json_lines(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    history, model, cases, out = (tmp_path / n for n in ("h.csv", "m.joblib", "c.csv", "o.jsonl"))
    _write_history(history)
    assert main(["model", "train", "--history", str(history), "--out", str(model)]) == 0
    cases.write_text(HEADER + "q1,elasticsearch shard unassigned,,search,,search,2026-06-01,,,\n"
                     + "q2,,,db,,,2026-06-01,,,\n")
    assert main(["model", "recommend", "--model", str(model), "--cases", str(cases),
                 "--top", "2", "--out", str(out)]) == 0
    [line] = out.read_text().splitlines()
    answer = json.loads(line)
    assert answer["id"] == "q1" and len(answer["experts"]) == 2
    assert answer["experts"][0]["expert"] == "sami"
    assert set(answer["experts"][0]) == {"expert", "score", "why"}
    assert "line 3" in capsys.readouterr().err


def test_cases_to_recommend_for_need_no_resolver_or_time_columns(tmp_path: Path) -> None:
    history, model, cases, out = (tmp_path / n for n in ("h.csv", "m.joblib", "c.csv", "o.jsonl"))
    _write_history(history)
    assert main(["model", "train", "--history", str(history), "--out", str(model)]) == 0
    cases.write_text("id,title,service\nq1,postgres replication lag,db\n")
    assert main(["model", "recommend", "--model", str(model), "--cases", str(cases),
                 "--top", "1", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["experts"][0]["expert"] == "dora"


def test_a_history_of_one_or_two_cases_still_trains(tmp_path: Path) -> None:
    """A new workspace's first import may be tiny: it trains, and recommends who it can."""
    history, model = tmp_path / "h.csv", tmp_path / "m.joblib"
    history.write_text(HEADER + "C-1,db down,,db,sev1,,2026-01-01T00:00:00Z,,,alice\n")
    assert main(["model", "train", "--history", str(history), "--out", str(model)]) == 0
    history.write_text(HEADER + "C-1,db down,,db,sev1,,2026-01-01T00:00:00Z,,,alice\n"
                       "C-2,queue stuck,,mq,sev2,,2026-01-02T00:00:00Z,,,bob\n")
    assert main(["model", "train", "--history", str(history), "--out", str(model)]) == 0


def test_bad_files_give_one_line_and_exit_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["model", "recommend", "--model", str(tmp_path / "none"), "--cases",
                 str(tmp_path / "none.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_evaluate_prints_the_model_and_every_baseline(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    history = tmp_path / "h.csv"
    _write_history(history)
    assert main(["model", "evaluate", "--history", str(history)]) == 0
    out = capsys.readouterr().out
    for row in ("swarmbot model", "most frequent resolver", "per service, last year",
                "LinearSVC"):
        assert row in out

import json
from pathlib import Path

import pytest

from skills_index.history import HistoryFileError, read_history

HEADER = "id,title,description,service,severity,tags,created_at,resolved_at,owner,resolvers\n"


def test_csv_rows_with_problems_are_reported_by_line_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text(HEADER
                    + "A-1,DB down,,db,sev1,db;prod,2026-01-02T03:04:05Z,,,U1;U2\n"
                    + "A-2,,,db,,,2026-01-02T03:04:05Z,,,U1\n"
                    + "A-3,No resolver,,db,,,2026-01-02,,,\n"
                    + "A-4,Bad time,,db,,,yesterday,,,U1\n"
                    + "A-1,Duplicate,,db,,,2026-01-02,,,U1\n"
                    + "A-5,Backwards,,db,,,2026-01-02,2025-01-01,,U1\n"
                    + "A-6,Path tags,,c++,,cpp/arrow/compute,2026-01-03,,,u9\n")
    result = read_history(path)
    assert [r.id for r in result.records] == ["A-1", "A-6"]
    assert result.records[0].resolvers == ("U1", "U2")
    assert result.records[1].tags == ("cpp", "arrow", "compute")
    reasons = {e.line: e.reason for e in result.errors}
    assert set(reasons) == {3, 4, 5, 6, 7}
    assert "`title` is empty" in reasons[3] and "`resolvers` is empty" in reasons[4]
    assert "ISO 8601" in reasons[5] and "duplicate id 'A-1'" in reasons[6]
    assert "before" in reasons[7]


def test_json_lines_are_read_too(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    rows = [{"id": "J-1", "title": "Search slow", "created_at": "2026-02-01T10:00:00+01:00",
             "resolvers": "U7", "tags": "search/es"}, "not an object"]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n")
    result = read_history(path)
    assert [r.id for r in result.records] == ["J-1"]
    assert result.records[0].created_at.utcoffset().total_seconds() == 0
    assert result.records[0].created_at.hour == 9
    assert [e.line for e in result.errors] == [2, 3]


def test_unreadable_files_say_why(tmp_path: Path) -> None:
    with pytest.raises(HistoryFileError, match="no such file"):
        read_history(tmp_path / "missing.csv")
    (tmp_path / "h.xlsx").write_text("x")
    with pytest.raises(HistoryFileError, match="unknown format"):
        read_history(tmp_path / "h.xlsx")
    (tmp_path / "h.csv").write_text("id,title\n1,x\n")
    with pytest.raises(HistoryFileError, match="lacks created_at, resolvers"):
        read_history(tmp_path / "h.csv")


def test_a_json_line_json_cannot_take_is_reported_and_skipped(tmp_path: Path) -> None:
    """A number too long for Python's int conversion raises a plain ValueError, not a JSON
    syntax error: the row is reported like any bad JSON, and the rest is still read."""
    path = tmp_path / "h.jsonl"
    good = {"id": "J-1", "title": "Search slow", "created_at": "2026-02-01", "resolvers": "U7"}
    path.write_text('{"id": ' + "9" * 5000 + "}\n" + json.dumps(good) + "\n")
    result = read_history(path)
    assert [r.id for r in result.records] == ["J-1"]
    assert [e.line for e in result.errors] == [1]
    assert "not valid JSON" in result.errors[0].reason

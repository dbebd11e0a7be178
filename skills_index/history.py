"""Reading resolution history (CSV or JSON Lines) in swarmbot's import schema:
`id, title, description, service, severity, tags, created_at, resolved_at, owner, resolvers`.

Bad rows are reported with their line number and reason and skipped; nothing is written."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FIELDS = ("id", "title", "description", "service", "severity", "tags", "created_at",
          "resolved_at", "owner", "resolvers", "summary")  # summary is optional
REQUIRED = ("id", "title", "created_at", "resolvers")
_TAG_SPLIT = re.compile(r"[;/]")


class HistoryFileError(Exception):
    """The file cannot be read at all (missing, unknown format, no header)."""


@dataclass(frozen=True)
class HistoryRecord:
    id: str
    title: str
    description: str
    service: str
    severity: str
    tags: tuple[str, ...]
    created_at: datetime
    resolved_at: datetime | None
    owner: str
    resolvers: tuple[str, ...]
    summary: str = ""  # how it was resolved, when the source knows (optional `summary` column)


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass
class ImportResult:
    records: list[HistoryRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def parse_time(value: str) -> datetime:
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def split_tags(value: str) -> tuple[str, ...]:
    """Tags are separated by `;` or `/`; order is kept (a path like `cpp/parquet/arrow`
    gives `cpp`, `parquet`, `arrow`, and the model uses its prefixes)."""
    tags = [t.strip().lower() for t in _TAG_SPLIT.split(value or "") if t.strip()]
    return tuple(dict.fromkeys(tags))


def _rows(path: Path, required: Sequence[str] = REQUIRED
          ) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None:
                raise HistoryFileError(f"{path}: empty file, expected a CSV header")
            missing = [f for f in required if f not in reader.fieldnames]
            if missing:
                raise HistoryFileError(f"{path}: the header lacks {', '.join(missing)}")
            for row in reader:
                yield reader.line_num, row, None
    elif suffix in (".jsonl", ".json", ".ndjson"):
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError as error:  # JSONDecodeError, or a number too long for int
                    reason = error.msg if isinstance(error, json.JSONDecodeError) else error
                    yield number, None, f"not valid JSON ({reason})"
                    continue
                if not isinstance(row, dict):
                    yield number, None, "not a JSON object"
                    continue
                yield number, row, None
    else:
        raise HistoryFileError(f"{path}: unknown format {suffix!r}; use .csv or .jsonl")


def _text(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value).strip()


def _record(row: dict[str, Any], *, need_resolvers: bool) -> HistoryRecord:
    for name in REQUIRED:
        if name == "resolvers" and not need_resolvers:
            continue
        if not _text(row, name):
            raise ValueError(f"`{name}` is empty")
    try:
        created = parse_time(_text(row, "created_at"))
    except ValueError:
        raise ValueError(f"`created_at` {_text(row, 'created_at')[:40]!r} is not an ISO 8601 "
                         "time") from None
    resolved = None
    if _text(row, "resolved_at"):
        try:
            resolved = parse_time(_text(row, "resolved_at"))
        except ValueError:
            raise ValueError(f"`resolved_at` {_text(row, 'resolved_at')[:40]!r} is not an "
                             "ISO 8601 time") from None
        if resolved < created:
            raise ValueError("`resolved_at` is before `created_at`")
    resolvers = tuple(dict.fromkeys(r.strip() for r in _text(row, "resolvers").split(";")
                                    if r.strip()))
    return HistoryRecord(
        id=_text(row, "id"), title=_text(row, "title"), description=_text(row, "description"),
        service=_text(row, "service"), severity=_text(row, "severity").lower(),
        tags=split_tags(_text(row, "tags")), created_at=created, resolved_at=resolved,
        owner=_text(row, "owner"), resolvers=resolvers, summary=_text(row, "summary"))


def _readable(path: Path, rows: Iterator[tuple[int, dict[str, Any] | None, str | None]]
              ) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """The rows, with a file that cannot be read as text named in one clear error."""
    try:
        yield from rows
    except UnicodeDecodeError:
        raise HistoryFileError(f"{path}: not a UTF-8 text file (expected CSV or JSON Lines)"
                               ) from None
    except csv.Error as error:
        raise HistoryFileError(f"{path}: not a readable CSV file ({error})") from None
    except OSError as error:
        raise HistoryFileError(f"{path}: cannot read it ({error.strerror})") from None


def read_history(path: str | Path) -> ImportResult:
    """Read a history file; bad rows become RowErrors (line, reason), the rest records."""
    path = Path(path)
    if not path.is_file():
        raise HistoryFileError(f"{path}: no such file")
    result = ImportResult()
    seen: dict[str, int] = {}
    for line, row, problem in _readable(path, _rows(path)):
        if problem is not None or row is None:
            result.errors.append(RowError(line, problem or "unreadable row"))
            continue
        try:
            record = _record(row, need_resolvers=True)
        except ValueError as error:
            result.errors.append(RowError(line, str(error)))
            continue
        if record.id in seen:
            result.errors.append(RowError(line, f"duplicate id {record.id!r} (first on line "
                                                f"{seen[record.id]})"))
            continue
        seen[record.id] = line
        result.records.append(record)
    return result


def read_cases(path: str | Path) -> tuple[list[Any], list[RowError]]:
    """Cases to recommend for: the same schema, resolver columns optional and ignored."""
    from skills_index.interface import CaseQuery

    path = Path(path)
    if not path.is_file():
        raise HistoryFileError(f"{path}: no such file")
    cases, errors = [], []
    for line, row, problem in _rows(path, required=("id", "title")):
        if problem is not None or row is None:
            errors.append(RowError(line, problem or "unreadable row"))
            continue
        if not _text(row, "id") or not _text(row, "title"):
            errors.append(RowError(line, "`id` and `title` are required"))
            continue
        cases.append(CaseQuery(id=_text(row, "id"), title=_text(row, "title"),
                               description=_text(row, "description"),
                               service=_text(row, "service"),
                               severity=_text(row, "severity").lower(),
                               tags=split_tags(_text(row, "tags"))))
    return cases, errors

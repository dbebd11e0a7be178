"""Importing resolution history into the database the recommender learns from. All or
nothing: bad rows are reported and skipped, and a re-import adds nothing twice."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.domain.errors import InvalidInput
from bot.services.context import ServiceContext
from models.expertise import ResolutionRecord


@dataclass(frozen=True)
class ImportReport:
    read: int
    added: int
    already_there: int
    bad_rows: list[str]


def import_history(ctx: ServiceContext, path: Path) -> ImportReport:
    from skills_index.history import HistoryFileError, read_history

    if not path.is_file():
        raise InvalidInput(f"No history file at {path}.")
    try:
        result = read_history(path)
    except HistoryFileError as error:
        raise InvalidInput(str(error)) from None
    bad = [f"line {e.line}: {e.reason}" for e in result.errors]
    with ctx.uow() as uow:
        known = uow.history.existing_ids(r.id for r in result.records)
        new = [r for r in result.records if r.id not in known]
        uow.history.add_all(ResolutionRecord(
            history_id=r.id, origin=path.name, title=r.title, description=r.description,
            service=r.service, severity=r.severity, tags=list(r.tags), created_at=r.created_at,
            resolved_at=r.resolved_at, owner=r.owner, resolvers=list(r.resolvers),
            summary=r.summary)
            for r in new)
        uow.commit()
    return ImportReport(read=len(result.records), added=len(new),
                        already_there=len(result.records) - len(new), bad_rows=bad)

"""The expert model the bot uses: loaded once (lazily), swapped after retraining on the
history — imported history plus the cases swarmbot itself resolved."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from bot.services.context import ServiceContext
from models.expertise import ResolutionRecord

log = logging.getLogger(__name__)


class ModelHolder:
    """Holds the current ExpertModel; None until a model file exists."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._model: Any = None
        self._loaded_mtime: float | None = None

    def __call__(self) -> Any:
        with self._lock:
            try:
                mtime = self.path.stat().st_mtime
            except FileNotFoundError:
                return self._model
            if self._model is None or mtime != self._loaded_mtime:
                from skills_index.model import ExpertModel

                self._model = ExpertModel.load(self.path)
                self._loaded_mtime = mtime
                log.info("expert model loaded from %s", self.path)
            return self._model

    def replace(self, model: Any) -> None:
        """Save a newly trained model atomically and start using it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        model.save(tmp)
        os.replace(tmp, self.path)
        with self._lock:
            self._model, self._loaded_mtime = model, self.path.stat().st_mtime


def history_records(rows: list[ResolutionRecord]) -> list[Any]:
    from skills_index.history import HistoryRecord

    return [HistoryRecord(id=r.history_id, title=r.title, description=r.description or "",
                          service=r.service or "", severity=r.severity or "",
                          tags=tuple(r.tags or ()), created_at=r.created_at,
                          resolved_at=r.resolved_at, owner=r.owner or "",
                          resolvers=tuple(r.resolvers or ()), summary=r.summary or "")
            for r in rows if r.resolvers]


def retrain(ctx: ServiceContext, holder: ModelHolder) -> int:
    """Train on the whole stored history and swap the model in; returns the training size."""
    from skills_index.model import ExpertModel

    with ctx.uow() as uow:
        records = history_records(list(uow.history.all()))
    if not records:
        log.warning("no resolution history stored; keeping the current model")
        return 0
    holder.replace(ExpertModel.train(records, now=ctx.now()))
    log.info("expert model retrained on %d cases", len(records))
    return len(records)

"""The expert model the bot uses: loaded once (lazily), swapped after retraining on the
history — imported history plus the cases swarmbot itself resolved."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.services.context import ServiceContext
from models.expertise import ResolutionRecord

if TYPE_CHECKING:
    from skills_index.backtest import Backtest

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
        """Save a newly trained model (atomically: `save` moves it into place, its card
        beside it) and start using it."""
        model.save(self.path)
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


@dataclass(frozen=True)
class Retrained:
    """What a retrain did (worded by whoever asked: the CLI, the clock's log)."""

    cases: int  # resolved cases it trained on: imported history and swarmbot's own
    swapped: bool  # the new model is in use now
    kept_because: str = ""  # when not swapped: "no history", "worse", "failed"
    error: str = ""  # when it failed: what went wrong
    backtest: Backtest | None = None  # None: no model in use, or nothing new to judge on


def retrain(ctx: ServiceContext, holder: ModelHolder) -> Retrained:
    """Train on the whole stored history — the imported cases and every case swarmbot
    resolved — and swap the model in, unless training fails or the new model does worse
    than the one in use on a backtest of the newest cases (skills_index.backtest): then
    the last good model stays. `swarmbot model train --from-db` and the clock's nightly
    retrain both come here."""
    from skills_index.backtest import backtest
    from skills_index.interface import ModelArtifactError
    from skills_index.model import ExpertModel

    with ctx.uow() as uow:
        records = history_records(list(uow.history.all()))
    if not records:
        log.warning("no resolved cases stored; keeping the current model")
        return Retrained(0, False, "no history")
    try:
        current = holder()
    except ModelArtifactError as error:
        log.warning("the model in use cannot be read (%s); a new one replaces it", error)
        current = None
    now = ctx.now()
    tested = None
    try:
        if current is not None:
            tested = backtest(current, records, lambda rows: ExpertModel.train(rows, now=now))
        if tested is not None:
            log.info("backtest on the %d newest cases the model in use has not seen: top-5 "
                     "%.3f (in use) vs %.3f (retrained)", tested.cases, tested.current_top5,
                     tested.new_top5)
            if tested.worse:
                log.warning("the retrained model does worse on the backtest; keeping the "
                            "model in use")
                return Retrained(len(records), False, "worse", backtest=tested)
        model = ExpertModel.train(records, now=now)
        if tested is not None:
            model.card["metrics"]["backtest"] = {"cases": tested.cases,
                                                 "previous_top5": tested.current_top5,
                                                 "top5": tested.new_top5}
        holder.replace(model)
    except Exception as error:  # noqa: BLE001 — any failure: the last good model stays
        log.exception("retraining failed; keeping the current model")
        return Retrained(len(records), False, "failed", error=f"{type(error).__name__}: "
                         f"{error}", backtest=tested)
    log.info("expert model retrained on %d cases", len(records))
    return Retrained(len(records), True, backtest=tested)

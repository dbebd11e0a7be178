"""Retraining on the bot's database (`swarmbot model train --from-db`, the clock's nightly
job): the imported history plus every case swarmbot resolved, on a real database with the
real model; the last good model stays when the new one fails or does worse on a backtest of
the newest cases."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import cli
from bot.config import load_settings
from bot.domain.case import parse_declaration
from bot.sandbox.seed import HISTORY_FILE
from bot.services import resolution, status
from bot.services.context import ServiceContext
from bot.services.history import import_history
from bot.services.model import ModelHolder, retrain
from bot.services.swarm import add_people
from models.expertise import ResolutionRecord
from models.uow import UnitOfWork
from skills_index.history import HistoryRecord, read_history
from skills_index.interface import CaseQuery
from skills_index.model import ExpertModel
from tests.integration.conftest import Clock, FakePeople
from tests.integration.declaring import declare

OWNER, RITA = "UOWNER01", "URITA001"  # rita is in no imported case
HISTORY = read_history(HISTORY_FILE).records


@pytest.fixture
def services(session_factory: sessionmaker[Session], clock: Clock, tmp_path: Path
             ) -> ServiceContext:
    settings = load_settings(_env_file=None, slack_bot_token="xoxb-x", slack_signing_secret="s",
                             model_path=tmp_path / "model.joblib")
    return ServiceContext(settings=settings, uow=lambda: UnitOfWork(session_factory, clock),
                          now=clock, recommender=ModelHolder(settings.model_path),
                          people=FakePeople())


def _in_use(services: ServiceContext, records: list[HistoryRecord]) -> Path:
    """A model trained on `records`, as the model in use."""
    path = services.settings.model_path
    ExpertModel.train(records, now=datetime(2026, 11, 1, tzinfo=UTC)).save(path)
    return path


def _resolve_a_ledger_case(services: ServiceContext) -> None:
    """A case swarmbot ran: rita worked on it (a status update) and the owner resolved it."""
    case_id = declare(services, owner_id=OWNER, draft=parse_declaration(
        "Ledger export stuck at midnight sev2 service:ledger #export")).case_id
    with services.uow() as uow:
        case = uow.cases.get(case_id)
        assert case is not None
        case.channel_id = "CLEDGER1"
        uow.commit()
    add_people(services, channel_id="CLEDGER1", actor=OWNER, user_ids=[RITA])
    status.post_status(services, channel_id="CLEDGER1", actor=RITA, text="Restarted the exporter")
    resolution.resolve_case(services, channel_id="CLEDGER1", actor=OWNER,
                            summary="Restarted the exporter")


def test_train_from_db_learns_the_cases_swarmbot_resolved(
        services: ServiceContext, database_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import_history(services, HISTORY_FILE)
    path = _in_use(services, HISTORY)
    assert RITA not in ExpertModel.load(path).experts
    _resolve_a_ledger_case(services)

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SWARMBOT_MODEL_PATH", str(path))
    assert cli.main(["model", "train", "--from-db"]) == 0
    out = capsys.readouterr().out
    assert f"trained on {len(HISTORY) + 1} resolved cases" in out
    assert "backtest on the 1 newest cases the model in use had not seen" in out

    # the model card beside the model, describing the new one; nothing half-written left
    card = json.loads(path.with_name(path.name + ".card.json").read_text())
    assert card["training_cases"] == len(HISTORY) + 1
    assert not list(path.parent.glob("*.tmp*"))
    model = ExpertModel.load(path)
    assert RITA in model.experts
    found = model.recommend(CaseQuery(id="q", title="Ledger export stuck again",
                                      service="ledger", tags=("export",)), top=5)
    assert RITA in [r.expert for r in found]


def _scrambled(records: list[HistoryRecord], upto: int) -> list[ResolutionRecord]:
    """A bad import: the resolvers of the oldest `upto` cases shifted to other cases."""
    rows = []
    for n, r in enumerate(records):
        resolvers = records[(n * 7 + 3) % upto].resolvers if n < upto else r.resolvers
        rows.append(ResolutionRecord(
            history_id=r.id, origin="bad.csv", title=r.title, description=r.description,
            service=r.service, severity=r.severity, tags=list(r.tags), created_at=r.created_at,
            resolved_at=r.resolved_at, owner=r.owner, resolvers=list(resolvers),
            summary=r.summary))
    return rows


def test_a_retrained_model_that_does_worse_on_the_newest_cases_is_not_swapped_in(
        services: ServiceContext, caplog: pytest.LogCaptureFixture) -> None:
    ordered = sorted(HISTORY, key=lambda r: (r.created_at, r.id))
    path = _in_use(services, ordered[: int(len(ordered) * 0.7)])
    before = path.read_bytes()
    with services.uow() as uow:
        uow.history.add_all(_scrambled(ordered, int(len(ordered) * 0.8)))
        uow.commit()

    with caplog.at_level(logging.INFO, logger="bot.services.model"):
        result = retrain(services, services.recommender)  # type: ignore[arg-type]

    assert not result.swapped and result.kept_because == "worse"
    assert result.backtest is not None and result.backtest.cases == len(ordered) - int(
        len(ordered) * 0.8)
    assert result.backtest.new_top5 < result.backtest.current_top5
    assert path.read_bytes() == before
    logged = caplog.text
    assert (f"top-5 {result.backtest.current_top5:.3f} (in use) vs "
            f"{result.backtest.new_top5:.3f} (retrained)") in logged
    assert "keeping the model in use" in logged


def test_a_retrain_that_fails_keeps_the_last_good_model(
        services: ServiceContext, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    import_history(services, HISTORY_FILE)
    path = _in_use(services, HISTORY)
    before = path.read_bytes()
    in_use = services.recommender()
    assert in_use is not None

    def out_of_memory(*args: object, **kwargs: object) -> ExpertModel:
        raise MemoryError("the training ran out of memory")

    monkeypatch.setattr(ExpertModel, "train", out_of_memory)  # a fault, injected
    with caplog.at_level(logging.INFO, logger="bot.services.model"):
        result = retrain(services, services.recommender)  # type: ignore[arg-type]

    assert not result.swapped and result.kept_because == "failed"
    assert "MemoryError: the training ran out of memory" in result.error
    assert path.read_bytes() == before
    assert services.recommender() is in_use  # still answering, with the last good model
    assert "retraining failed; keeping the current model" in caplog.text


def test_train_from_db_with_nothing_resolved_says_what_to_do_and_changes_nothing(
        services: ServiceContext, database_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SWARMBOT_MODEL_PATH", str(services.settings.model_path))
    assert cli.main(["model", "train", "--from-db"]) == 2
    assert "No resolved cases in the database yet: import history with `swarmbot history " \
           "import FILE`" in capsys.readouterr().err
    assert not services.settings.model_path.exists()
    assert cli.main(["model", "train", "--history", str(HISTORY_FILE)]) == 2
    assert "--history needs --out FILE" in capsys.readouterr().err

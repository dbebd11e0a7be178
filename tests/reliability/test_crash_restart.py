"""The bot's processes killed (SIGKILL) in the middle of a case and started again, as the
Procfile runs them: `swarmbot serve` (web) and `swarmbot clock` (timers, and the outbox
delivery). Each kill comes at the worst moment: Slack has done the call but the bot has not
recorded it. After the restart the case has one channel, every expert got one invite, every
message went out once, and the timers neither were lost nor fired twice.

A killed process's leases (60 s for an outbox delivery, 2 min for a timer) are waited out
by moving them into the past in the database, rather than by sleeping."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bench.fleet import serving
from bot.config import load_settings
from bot.sandbox.emulator import SlackEmulator
from bot.sandbox.seed import PEOPLE, POLICY_FILE
from bot.services.context import ServiceContext
from bot.services.expertise import register_expert
from models.base import utcnow
from models.db import make_engine, make_session_factory, upgrade
from models.scheduling import OutboxMessage, Timer
from models.uow import UnitOfWork

pytestmark = pytest.mark.e2e

SECRET, TOKEN = "crash-signing-secret", "xoxb-crash-token"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Processes:
    """`swarmbot serve` (its workers included) and `swarmbot clock` as real child processes,
    each in a process group of its own: a kill takes the whole group, as a crashed machine
    or container would."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.port = int(env["PORT"])
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, *names: str) -> None:
        for name in names:
            log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 — closed with the process
            self.running[name] = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", name], env=self.env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        if "serve" in names:
            self._wait_for_web()

    def _wait_for_web(self) -> None:
        # a cold start imports scikit-learn and loads the model: ~7 s on an idle 2-core
        # machine, several times that when the machine is busy
        deadline = time.monotonic() + 120
        while not serving(self.port, timeout=2):
            exited = self.running["serve"].poll()
            if exited is not None or time.monotonic() > deadline:
                raise AssertionError(f"swarmbot serve did not start (exit {exited}): "
                                     f"{self.log('serve')}")

    def kill(self, *names: str) -> None:
        for name in names:
            process = self.running.pop(name)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop_all(self) -> None:
        for name in list(self.running):
            self.kill(name)


@pytest.fixture
def world(database_url: str, tmp_path: Path, sample_model: Path
          ) -> Iterator[tuple[SlackEmulator, Processes, ServiceContext, dict[str, str]]]:
    emulator = SlackEmulator(signing_secret=SECRET, bot_token=TOKEN,
                             retry_delays=(2.0, 6.0, 12.0)).start()
    people = {p.handle: emulator.add_user(p.handle, real_name=p.real_name) for p in PEOPLE}
    people["general"] = emulator.add_channel("general", members=list(people.values()))
    people["incidents"] = emulator.add_channel("incidents")
    model = tmp_path / "model.joblib"
    shutil.copy(sample_model, model)
    if database_url.startswith("sqlite"):
        upgrade(database_url)
    env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": emulator.api_url, "DATABASE_URL": database_url,
           "HOST": "127.0.0.1", "PORT": str(_free_port()), "SWARMBOT_MODEL_PATH": str(model),
           "SWARMBOT_POLICY": str(POLICY_FILE), "SWARMBOT_STAKEHOLDER_CHANNEL":
           people["incidents"], "LOG_LEVEL": "INFO"}
    env.pop("SWARMBOT_HOOKS_TOKEN", None)
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    services = ServiceContext(settings=load_settings(_env_file=None, database_url=database_url),
                              uow=lambda: UnitOfWork(factory), now=utcnow,
                              recommender=lambda: None, policy=None)
    for person in PEOPLE:
        register_expert(services, user_id=people[person.handle], handle=person.handle,
                        display_name=person.real_name, skills=person.skills)
    processes = Processes(env, tmp_path)
    emulator.request_url = f"http://127.0.0.1:{processes.port}/slack/events"
    yield emulator, processes, services, people
    processes.stop_all()
    emulator.stop()
    engine.dispose()


def _wait(condition, what: str, processes: Processes, seconds: float = 30):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{what} not within {seconds}s; clock log:\n{processes.log('clock')}")


def _lease_runs_out(services: ServiceContext) -> None:
    """What waiting out a killed process's leases would do."""
    past = utcnow() - timedelta(seconds=1)
    with services.uow() as uow:
        uow.session.execute(update(OutboxMessage).where(OutboxMessage.claimed_until.is_not(None))
                            .values(claimed_until=past))
        uow.session.execute(update(Timer).where(Timer.claimed_until.is_not(None))
                            .values(claimed_until=past))
        uow.commit()


def _pending_effect(services: ServiceContext) -> int | None:
    """An effect not delivered yet, read in a transaction of its own that only reads: a poll
    holding a (writing) unit of work open would keep the bot's processes from writing on
    SQLite, and so from ever delivering it."""
    with services.uow().reading() as uow:
        return uow.session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.state == "pending").limit(1))


def _invites(emulator: SlackEmulator, people: dict[str, str]) -> dict[str, list[dict]]:
    found = {}
    for handle, user in people.items():
        dms = [m for m in emulator.dm_messages(user) if "Swarm invite" in (m.get("text") or "")]
        if dms:
            found[handle] = dms
    return found


def test_killed_mid_flow_and_restarted_the_case_is_whole(world) -> None:  # type: ignore[no-untyped-def]
    emulator, processes, services, people = world
    maya = people["maya"]
    processes.start("serve", "clock")

    # 1. Slack creates the channel, the clock dies before it hears back.
    emulator.faults.add("conversations.create", kind="timeout", seconds=30, applied=True)
    declared = emulator.slash_command(maya, "/swarm", "new Checkout down sev1 service:checkout",
                                      channel=people["general"])
    assert declared.status == 200 and "Case #0001 declared" in declared.body["text"]
    _wait(lambda: [c for c in emulator.channels() if c["name"].startswith("swarm-0001")],
          "the channel created in Slack", processes)
    processes.kill("clock", "serve")
    _lease_runs_out(services)

    # 2. Restarted, it adopts that channel; then dies just after Slack posts an invite.
    emulator.faults.add("chat.postMessage", kind="timeout", seconds=30, applied=True,
                        when=lambda p: "Swarm invite" in str(p.get("text")))
    processes.start("serve", "clock")
    _wait(lambda: _invites(emulator, people), "an invite posted", processes)
    processes.kill("clock", "serve")
    _lease_runs_out(services)
    processes.start("clock")
    invites = _wait(lambda: (lambda found: found if len(found) == 3 else None)(
        _invites(emulator, people)), "three invites", processes)

    # 3. An expert accepts while the web process is down: Slack retries the event until
    #    the restarted one answers, and it is handled once.
    expert = sorted(invites)[0]
    invite = invites[expert][0]
    starter = threading.Thread(target=processes.start, args=("serve",))
    starter.start()
    delivered = emulator.react(people[expert], invite["channel"], invite["ts"],
                               "white_check_mark")
    starter.join()
    assert delivered.ok and not delivered.attempts[0].ok, delivered.attempts

    [channel] = [c for c in emulator.channels() if c["name"].startswith("swarm-")]
    cid = channel["id"]
    _wait(lambda: people[expert] in emulator.channel(cid)["members"], "the expert joining",
          processes)
    _wait(lambda: sum("joined the swarm" in (m.get("text") or "")
                      for m in emulator.messages(cid)), "the joined note", processes)
    _wait(lambda: not _pending_effect(services), "every effect delivered", processes)

    texts = [m.get("text") or "" for m in emulator.messages(cid)]
    for needle in ("#0001 Checkout down", "Recommended experts", "joined the swarm"):
        assert sum(needle in t for t in texts) == 1, (needle, texts)
    assert maya in emulator.channel(cid)["members"]
    assert all(len(dms) == 1 for dms in _invites(emulator, people).values()), \
        _invites(emulator, people)
    with services.uow() as uow:
        timers = uow.session.scalars(select(Timer)).all()
        kinds = sorted((t.kind, t.state) for t in timers)
    # one status reminder and an expiry per invite: the accepted one cancelled, none fired
    assert kinds == [("invite_expiry", "cancelled"), ("invite_expiry", "pending"),
                     ("invite_expiry", "pending"), ("status_reminder", "pending")], kinds


def _acked_then_died(emulator: SlackEmulator, env: dict[str, str], people: dict[str, str], *,
                     planned: bool) -> int:
    """`/swarm new` answered by a bot (built as `swarmbot serve` builds it, real HTTP and
    signing) that dies before it delivers anything: its delivery never started, so the ack's
    transaction — the case and its intents — is all it left. `planned`: it died later, once
    planning the swarm had committed but before its delivery recorded that (the effect still
    leased to the dead process)."""
    from bot.bootstrap import build
    from bot.delivery.claims import claim_next
    from bot.delivery.retry import LEASE
    from bot.services import cases
    from bot.services.effects import Effect
    from bot.web.server import WebServer

    settings = load_settings(_env_file=None, slack_bot_token=TOKEN, slack_signing_secret=SECRET,
                             slack_api_url=emulator.api_url, database_url=env["DATABASE_URL"],
                             model_path=Path(env["SWARMBOT_MODEL_PATH"]),
                             policy_path=POLICY_FILE,
                             stakeholder_channel=env["SWARMBOT_STAKEHOLDER_CHANNEL"])
    container = build(settings)  # not started: it delivers nothing
    server = WebServer(container.web_app).start()
    request_url, emulator.request_url = emulator.request_url, f"{server.url}/slack/events"
    try:
        declared = emulator.slash_command(people["maya"], "/swarm",
                                          "new Checkout down sev1 service:checkout",
                                          channel=people["general"])
        assert declared.status == 200 and "Case #0001 declared" in declared.body["text"]
        assert "being chosen" in declared.body["text"]
        with container.uow() as uow:
            [intent] = uow.session.scalars(select(OutboxMessage).where(
                OutboxMessage.kind == Effect.PLAN_SWARM)).all()
            intent_id, case_id = intent.id, intent.case_id
            assert intent.state == "pending" and not uow.cases.get(case_id).invites
        if planned:
            now = utcnow()
            with container.uow() as uow:  # the dead process's claim, as a delivery makes it
                claimed: list[int] = []
                while intent_id not in claimed:
                    claimed = claim_next(uow, now, lease_until=now + LEASE)
                    assert claimed, "the plan effect was not claimable"
                uow.commit()
            done = cases.plan_swarm(container.services, case_id=case_id, intent_id=intent_id,
                                    notify_in=people["general"])
            assert len(done.invited) == 3
    finally:
        emulator.request_url = request_url
        server.stop()
        container.close()
    return case_id


@pytest.mark.parametrize("planned", [False, True], ids=["before-planning", "after-planning"])
def test_killed_between_the_ack_and_planning_the_case_gets_its_experts_once(  # type: ignore[no-untyped-def]
        world, planned: bool) -> None:
    emulator, processes, services, people = world
    case_id = _acked_then_died(emulator, processes.env, people, planned=planned)
    assert not _invites(emulator, people)  # nothing reached Slack before the crash

    _lease_runs_out(services)
    processes.start("serve", "clock")
    invited = _wait(lambda: (lambda found: found if len(found) == 3 else None)(
        _invites(emulator, people)), "three invites after the restart", processes)
    _wait(lambda: not _pending_effect(services), "every effect delivered", processes)

    assert all(len(dms) == 1 for dms in _invites(emulator, people).values()), invited
    assert len(_invites(emulator, people)) == 3
    with services.uow() as uow:
        case = uow.cases.get(case_id)
        assert len(case.invites) == 3 and all(i.message_ts for i in case.invites)
        kinds = sorted(t.kind for t in uow.session.scalars(select(Timer)))
    assert kinds == ["invite_expiry"] * 3 + ["status_reminder"], kinds
    [channel] = [c for c in emulator.channels() if c["name"].startswith("swarm-")]
    texts = [m.get("text") or "" for m in emulator.messages(channel["id"])]
    assert sum("Recommended experts" in t for t in texts) == 1, texts
    told = [m["text"] for m in emulator.ephemerals(people["maya"])
            if "experts invited" in (m.get("text") or "")]
    assert len(told) == 1, told  # the declarer hears who, once

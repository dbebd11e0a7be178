"""`swarmbot sandbox` (what `make run` starts): the whole product on one machine — SQLite,
a model trained on the bundled sample history, the Slack emulator with Parcelly's people in
it, and a web page of that workspace to act as them. The bot is the production code,
talking to the emulator by URL; the page acts only through the emulator."""

from __future__ import annotations

import logging
import secrets
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from bot.bootstrap import Container, build
from bot.config import load_settings
from bot.domain.policy import load_policy
from bot.jobs.clock import add_clock_jobs
from bot.sandbox.console import Console
from bot.sandbox.emulator import SlackEmulator
from bot.sandbox.seed import PARCELLY, Company
from bot.sandbox.web import create_page_app
from bot.services.expertise import register_expert
from bot.services.history import import_history
from bot.services.model import retrain
from bot.web.server import WebServer
from models.db import upgrade

log = logging.getLogger("swarmbot.sandbox")


@dataclass
class Sandbox:
    emulator: SlackEmulator
    container: Container
    server: WebServer
    scheduler: BackgroundScheduler
    users: dict[str, str]  # handle → Slack user id
    channels: dict[str, str]
    page: WebServer | None = None  # the web page of the emulated workspace
    company: Company = PARCELLY

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.page is not None:
            self.page.stop()
        self.server.stop()
        self.container.close()
        self.emulator.stop()


def start_sandbox(*, database_url: str, model_path: Path, port: int = 0,
                  history: Path | None = None, hooks_token: str = "sandbox",
                  page_port: int | None = 0, clock: Callable[[], datetime] | None = None,
                  timers: bool = True, policy_path: Path | None = None,
                  company: Company = PARCELLY) -> Sandbox:
    """`port`: the bot's; `page_port`: the web page's (None: no page); `clock`: what the bot
    reads as now (the demo moves one by hand); `timers`: run the clock jobs every 5 s;
    `policy_path`, `history`: the escalation policy and past cases (the company's by
    default); `company`: who works there and the language they read (Parcelly, English, or
    Hanamaru, Japanese: `swarmbot sandbox --locale ja`)."""
    history = history or company.history_file
    policy_path = policy_path or company.policy_file
    policy = load_policy(policy_path)  # a broken file stops here, before anything starts
    signing_secret, bot_token = secrets.token_hex(16), "xoxb-sandbox-" + secrets.token_hex(8)
    emulator = SlackEmulator(signing_secret=signing_secret, bot_token=bot_token,
                             team_domain=company.domain)
    emulator.start()
    users = {p.handle: emulator.add_user(p.handle, real_name=p.real_name,
                                         email=f"{p.handle}@{company.domain}.example", tz=p.tz,
                                         locale=company.locale)
             for p in company.people}
    everyone = list(users.values())
    channels = {name: emulator.add_channel(name, members=everyone)
                for name in ("general", "incidents")}
    upgrade(database_url)
    settings = load_settings(
        _env_file=None, slack_bot_token=bot_token, slack_signing_secret=signing_secret,
        slack_api_url=emulator.api_url, database_url=database_url,
        stakeholder_channel=channels["incidents"], hooks_token=hooks_token,
        dashboard_token=hooks_token, model_path=model_path, policy_path=policy_path,
        language=company.language)
    container = build(settings, policy=policy, clock=clock)
    for person in company.people:
        register_expert(container.services, user_id=users[person.handle], handle=person.handle,
                        display_name=person.real_name, tz=person.tz, skills=person.skills,
                        locale=company.locale)
    import_history(container.services, history)
    retrain(container.services, container.model)
    container.start()
    server = WebServer(container.web_app, port=port).start()
    emulator.request_url = f"{server.url}/slack/events"
    scheduler = BackgroundScheduler(timezone="UTC")
    if timers:
        add_clock_jobs(scheduler, container.services, timer_seconds=5)
        scheduler.start()
    page = _page_server(emulator, page_port, company) if page_port is not None else None
    return Sandbox(emulator, container, server, scheduler, users, channels, page, company)


def _page_server(emulator: SlackEmulator, port: int, company: Company) -> WebServer:
    """The page on `port`, or on any free port when that one is taken (a busy 8080 on a
    newcomer's machine must not stop the sandbox)."""
    app = create_page_app(emulator, default_user=company.people[0].handle)
    try:
        return WebServer(app, port=port).start()
    except OSError:
        log.warning("port %s is taken; the page gets a free port instead", port)
        return WebServer(app, port=0).start()


def run_sandbox(*, port: int, database_url: str, company: Company = PARCELLY) -> int:
    # SWARMBOT_POLICY (environment or .env) is read as `swarmbot serve` reads it, and checked
    # the same way; without it the sandbox plays the company's levels.
    sandbox = start_sandbox(database_url=database_url, page_port=port,
                            model_path=Path("var/sandbox-model.joblib"),
                            policy_path=load_settings().policy_path or company.policy_file,
                            company=company)
    first, second = company.people[0].handle, company.people[3].handle
    example = ("決済画面の応答が3秒を超える sev1 service:checkout" if company.language == "ja"
               else "Checkout latency over 3s sev1 service:checkout")
    assert sandbox.page is not None
    print(f"swarmbot sandbox is up.\n"
          f"  open the workspace:      {sandbox.page.url}/\n"
          f"  managers' dashboard:     {sandbox.server.url}/dashboard?token=sandbox\n"
          f"  bot (Slack request URL): {sandbox.server.url}/slack/events\n"
          f"  Slack emulator Web API:  {sandbox.emulator.api_url}\n"
          f"  case webhook:            curl -X POST {sandbox.server.url}/hooks/cases "
          f"-H 'Authorization: Bearer sandbox' -H 'Content-Type: application/json' "
          f"-d '{{\"title\": \"Disk full on db-3\", \"external_id\": \"PD-1\", "
          f"\"severity\": \"sev2\", \"service\": \"db\"}}'\n"
          f"  people: {', '.join(sandbox.users)}\n"
          f"On the page, or here, type as one of them, e.g.\n"
          f"  {first}: /swarm new {example}\n"
          f"  {second}: react white_check_mark      (answers {second}'s newest swarm invite)\n"
          f"  show #swarm-0001-…\n"
          f"Press Ctrl-C to stop.", flush=True)
    console = Console(sandbox.emulator, sandbox.users, sandbox.channels["general"],
                      sandbox.container.services)
    try:
        if sys.stdin.isatty():
            for line in sys.stdin:
                console.handle(line)
        else:
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0

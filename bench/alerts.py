"""An alert storm: `--alerts` Alertmanager alerts of `--groups` groups sent over `--seconds`
(one notification an alert, on schedule, each on a thread of its own) to the bot as deployed —
`swarmbot serve` web processes (`--web`) on SQLite or PostgreSQL (`--database-url`), the
alerts taking turns between them — with the Slack emulator as Slack.

    .venv/bin/python -m bench.alerts [--alerts 200] [--groups 5] [--seconds 60]
    .venv/bin/python -m bench.alerts --web 2 --database-url postgresql://postgres@127.0.0.1:55432/bench_alerts

Reports the webhook's answer time (p50, p95, max), cases opened, case channels, alerts
recorded (each must equal the groups, the groups and the alerts), summary edits
(chat.update: coalesced, far fewer than the alerts) and the time until every effect was
delivered after the last alert."""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import requests
from sqlalchemy import func, select

from bench.fleet import Fleet, people
from bot.sandbox.emulator import SlackEmulator
from models import Alert, Case
from models.scheduling import OutboxMessage

TOKEN = "bench-alerts-token"


def notification(group: int, n: int) -> dict[str, object]:
    """Alertmanager's webhook body (version 4) for alert `n` of group `group`."""
    return {"version": "4", "groupKey": f"{{}}:{{alertname=\"Storm{group}\"}}",
            "status": "firing", "receiver": "swarmbot",
            "groupLabels": {"alertname": f"Storm{group}"},
            "commonLabels": {"alertname": f"Storm{group}", "severity": "warning",
                             "job": f"service-{group}"},
            "alerts": [{"status": "firing", "fingerprint": f"g{group}-a{n}",
                        "labels": {"instance": f"host-{n}"},
                        "annotations": {"summary": f"Storm{group} on host-{n}"},
                        "startsAt": "2026-11-17T10:00:00Z",
                        "generatorURL": f"http://prometheus.example:9090/graph?g={group}"}]}


def run(alerts: int, groups: int, seconds: float, web: int, database_url: str | None,
        timeout: float) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = database_url or f"sqlite:///{folder}/bench.sqlite3"
        emulator = SlackEmulator(signing_secret="bench-alerts", bot_token="xoxb-bench-alerts")
        emulator.start()
        try:
            users = people(emulator)
            with Fleet(emulator, url, users, web=web, workers=1, folder=folder,
                       env={"SWARMBOT_HOOKS_TOKEN": TOKEN}) as fleet:
                return _storm(emulator, fleet, alerts, groups, seconds, timeout, url)
        finally:
            emulator.stop()


def _storm(emulator: SlackEmulator, fleet: Fleet, alerts: int, groups: int, seconds: float,
           timeout: float, url: str) -> int:
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    session = threading.local()

    def send(n: int, at: float) -> None:
        time.sleep(max(0.0, at - time.monotonic()))
        http = getattr(session, "http", None) or requests.Session()
        session.http = http
        port = fleet.ports[n % len(fleet.ports)]
        started = time.monotonic()
        answer = http.post(f"http://127.0.0.1:{port}/hooks/alertmanager",
                           json=notification(n % groups, n), timeout=120,
                           headers={"Authorization": f"Bearer {TOKEN}"})
        with lock:
            latencies.append(time.monotonic() - started)
            if answer.status_code not in (200, 201):
                failures.append(f"{answer.status_code} {answer.text[:200]}")

    start = time.monotonic() + 0.5
    threads = [threading.Thread(target=send, args=(n, start + n * seconds / alerts))
               for n in range(alerts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = time.monotonic()
    settled = None
    while time.monotonic() - sent < timeout:
        with fleet.services.uow() as uow:
            pending = uow.session.scalar(select(func.count()).select_from(OutboxMessage)
                                         .where(OutboxMessage.state == "pending"))
        if not pending:
            settled = time.monotonic() - sent
            break
        time.sleep(0.2)
    with fleet.services.uow() as uow:
        cases = uow.session.scalar(select(func.count()).select_from(Case)) or 0
        recorded = uow.session.scalar(select(func.count()).select_from(Alert)) or 0
    channels = [c for c in emulator.channels() if c["name"].startswith("swarm-")]
    edits = len(emulator.calls("chat.update"))
    ms = np.array(latencies) * 1000
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{alerts} alerts of {groups} groups over {seconds:.0f} s, {backend}, "
          f"{len(fleet.ports)} web process(es)")
    print(f"  webhook answer: p50 {np.percentile(ms, 50):.0f} ms, "
          f"p95 {np.percentile(ms, 95):.0f} ms, max {ms.max():.0f} ms; refused {len(failures)}")
    print(f"  cases {cases} (want {groups}), case channels {len(channels)} (want {groups}), "
          f"alerts recorded {recorded} (want {alerts})")
    print(f"  summary edits (chat.update) {edits} for {alerts} alerts; all delivered "
          + (f"{settled:.1f} s after the last alert" if settled is not None else "NOT in time"))
    for failure in failures[:5]:
        print(f"  refused: {failure}")
    ok = (cases == groups and len(channels) == groups and recorded == alerts
          and not failures and settled is not None)
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--web", type=int, default=1, help="swarmbot serve processes")
    parser.add_argument("--database-url", help="default: a new SQLite file")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds to wait for delivery after the last alert")
    args = parser.parse_args()
    return run(args.alerts, args.groups, args.seconds, args.web, args.database_url,
               args.timeout)


if __name__ == "__main__":
    sys.exit(main())

"""GET /metrics with several web processes: what each worker counts is summed in any
worker's scrape (prometheus_client's multiprocess mode, as `swarmbot serve` sets it up
before forking), and a dead worker's counts stay in the sums."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import os, time
from bot.web import metrics
children = []
for _ in range(3):  # three workers, each answering one slash command
    pid = os.fork()
    if pid == 0:
        metrics.observe_request("command", 200, time.perf_counter())
        metrics.observe_slack_call("chat.postMessage", 429)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
    metrics.worker_exited(pid)
body, _ = metrics.scrape(metrics.DatabaseCollector(lambda: {"swarmbot_outbox_pending": 2}))
print(body.decode())
"""


def test_counts_of_every_worker_are_summed(tmp_path: Path) -> None:
    shared = tmp_path / "metrics"
    shared.mkdir()
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         check=True, timeout=120,
                         env={"PROMETHEUS_MULTIPROC_DIR": str(shared), "PATH": "/usr/bin"},
                         cwd=Path(__file__).resolve().parents[2]).stdout
    lines = set(out.splitlines())
    assert 'swarmbot_slack_requests_total{status="200",surface="command"} 3.0' in lines
    assert 'swarmbot_slack_ack_seconds_count{surface="command"} 3.0' in lines
    assert 'swarmbot_slack_api_rate_limited_total{method="chat.postMessage"} 3.0' in lines
    assert "swarmbot_outbox_pending 2.0" in lines  # the database's figure, once

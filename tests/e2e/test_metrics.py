"""GET /metrics scraped after real traffic: a slash command over signed HTTP, its Slack
calls to the emulator (one of them rate limited), its outbox deliveries. The numbers move
by what happened; the database's figures (backlog, timer lag, model age) are read at
scrape time."""

from __future__ import annotations

import time
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.sandbox.emulator import SlackEmulator
from tests.e2e.conftest import Clock, RunningBot, Workspace

pytestmark = pytest.mark.e2e


def scrape(bot: RunningBot) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    with urllib.request.urlopen(f"{bot.url}/metrics", timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/plain")
        text = answer.read().decode()
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(figures: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
          **labels: str) -> float:
    return figures.get((name, frozenset(labels.items())), 0.0)


def total(figures: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
          **labels: str) -> float:
    """Summed over every label not given."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in figures.items() if n == name and wanted <= ls)


def test_metrics_move_with_traffic(emulator: SlackEmulator, bot: RunningBot,
                                   parcelly: Workspace, clock: Clock) -> None:
    before = scrape(bot)
    emulator.faults.add("chat.postMessage", kind="rate_limited", retry_after=1, times=1)
    result = emulator.slash_command(parcelly["maya"], "/swarm",
                                    "new Checkout down sev1 service:checkout",
                                    channel=parcelly.general)
    assert result.status == 200
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(
            c["name"].startswith("swarm-0001") for c in emulator.channels()):
        clock.advance(seconds=1)  # the 429's retry waits in the bot's time
        bot.container.dispatcher.kick()
        time.sleep(0.05)
    for _ in range(60):
        clock.advance(seconds=1)
        bot.container.dispatcher.kick()
        time.sleep(0.02)
    bot.settle(timeout=20)
    after = scrape(bot)

    def moved(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    assert moved("swarmbot_slack_requests_total", surface="command", status="200") == 1
    assert moved("swarmbot_slack_ack_seconds_count", surface="command") == 1
    assert moved("swarmbot_slack_ack_seconds_bucket", surface="command", le="3.0") == 1
    assert moved("swarmbot_slack_api_calls_total", method="conversations.create") >= 1
    assert moved("swarmbot_slack_api_calls_total", method="auth.test", status="200") == 1
    assert moved("swarmbot_slack_api_calls_total", method="chat.postMessage",
                 status="200") >= 1
    assert moved("swarmbot_slack_api_rate_limited_total", method="chat.postMessage") == 1
    assert moved("swarmbot_outbox_delivery_seconds_count", effect="create_channel") == 1
    assert moved("swarmbot_outbox_delivery_seconds_count") >= 3
    assert value(after, "swarmbot_outbox_pending") == 0
    assert value(after, "swarmbot_outbox_failed") == 0
    assert value(after, "swarmbot_timer_lag_seconds") == 0  # the case's timers are ahead
    assert value(after, "swarmbot_model_age_seconds") > 0  # the sample model's card


def test_backlog_and_timer_lag_are_read_from_the_database(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    """Slack down: what the case needs waits in the outbox; hours later, its timers are
    past due with no clock process running. Any process's scrape says so."""
    emulator.faults.add("*", kind="http_500", times=10_000)
    emulator.slash_command(parcelly["maya"], "/swarm", "new Checkout down sev1",
                           channel=parcelly.general)
    clock.advance(hours=2)
    figures = scrape(bot)
    assert value(figures, "swarmbot_outbox_pending") >= 1
    assert value(figures, "swarmbot_outbox_oldest_pending_seconds") >= 2 * 3600
    assert value(figures, "swarmbot_timer_lag_seconds") > 3600
    emulator.faults.clear()


def test_calls_listeners_make_are_counted(emulator: SlackEmulator, bot: RunningBot,
                                          parcelly: Workspace) -> None:
    """`/swarm new` with nothing after it opens the declare modal from the listener."""
    before = scrape(bot)
    result = emulator.slash_command(parcelly["maya"], "/swarm", "new", channel=parcelly.general)
    assert result.status == 200
    after = scrape(bot)
    assert total(after, "swarmbot_slack_api_calls_total", method="views.open") - \
        total(before, "swarmbot_slack_api_calls_total", method="views.open") == 1

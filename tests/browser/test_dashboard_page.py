"""The managers' dashboard in headless Chromium, on the sandbox: the open cases with a live
SLA countdown, and charts drawn from the sandbox's real cases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sandbox.run import Sandbox, start_sandbox

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
expect = playwright_api.expect

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    where = tmp_path_factory.mktemp("dashboard")
    running = start_sandbox(database_url=f"sqlite:///{where}/sandbox.sqlite3",
                            model_path=where / "model.joblib", page_port=None)
    yield running
    running.stop()


def test_the_dashboard_shows_live_sla_timers_and_charts_of_real_cases(
        chromium, sandbox: Sandbox) -> None:  # type: ignore[no-untyped-def]
    emulator, users = sandbox.emulator, sandbox.users
    emulator.slash_command(users["olivia"], "/swarm", "new Parcel labels print blank sev4",
                           channel=sandbox.channels["general"])
    emulator.slash_command(users["maya"], "/swarm", "new Checkout latency over 3s sev1 "
                           "service:checkout", channel=sandbox.channels["general"])
    emulator.wait_for(lambda: sum(c["name"].startswith("swarm-") and bool(c["topic"])
                                  for c in emulator.channels()) == 2, timeout=15)

    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    expect.set_options(timeout=15_000)
    page.goto(f"{sandbox.server.url}/dashboard?token=sandbox")
    table = page.locator("#open-cases")
    tiered = table.locator("tr[data-case='#0001']")
    expect(tiered).to_contain_text("Parcel labels print blank")
    expect(tiered).to_contain_text("tiered · L1")
    expect(tiered).to_contain_text("response SLA")
    countdown = tiered.locator("td.countdown")
    expect(countdown).to_contain_text(" s")  # ticking in the browser, to the second
    first = countdown.inner_text()
    page.wait_for_timeout(1500)
    assert countdown.inner_text() != first
    expect(table.locator("tr[data-case='#0002']")).to_contain_text("status update")

    for chart in ("#chart-mttr", "#chart-modes", "#chart-load"):
        image = page.locator(chart)
        expect(image).to_be_visible()
        page.wait_for_function("el => el.complete && el.naturalWidth > 0",
                               arg=image.element_handle())
    load = page.request.get(f"{sandbox.server.url}/dashboard/charts/load.svg").text()
    assert "@maya" in load and "@olivia" in load  # drawn from the cases declared above
    modes = page.request.get(f"{sandbox.server.url}/dashboard/charts/modes.svg").text()
    assert "swarm (1 cases)" in modes and "tiered (1 cases)" in modes
    context.close()

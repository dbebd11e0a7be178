"""The sandbox's web page in headless Chromium (Debian's, driven by Playwright): a newcomer
declares a case by typing a slash command as one of Parcelly's people, watches its channel
appear, answers an invite with an emoji as the invited expert, confirms the resolution with
a Block Kit button, and declares another case through the modal. The page acts only through
the Slack emulator, so this is the production bot answering signed Slack requests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sandbox.run import Sandbox, start_sandbox

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
expect = playwright_api.expect

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    where = tmp_path_factory.mktemp("sandbox")
    running = start_sandbox(database_url=f"sqlite:///{where}/sandbox.sqlite3",
                            model_path=where / "model.joblib")
    yield running
    running.stop()


@pytest.fixture
def page(chromium, sandbox: Sandbox):  # type: ignore[no-untyped-def]
    """A fresh tab on the sandbox page, acting as maya (chromium: tests/browser/conftest.py)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)
    assert sandbox.page is not None
    opened.goto(f"{sandbox.page.url}/?as=maya")
    yield opened
    context.close()


def _open(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("#sidebar a.channel", has_text=name).click()
    expect(page.locator("#channel-header .channel-name")).to_contain_text(name)


def _command(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("#command", text)
    page.press("#command", "Enter")


def test_declare_a_sev1_and_an_expert_joins_by_reacting(page) -> None:  # type: ignore[no-untyped-def]
    expect(page.locator("#as-user")).to_have_value("maya")
    _command(page, "/swarm new Card payments declined sev1 service:payments")
    expect(page.locator("#messages")).to_contain_text("Case #0001 declared; you own it")

    case_link = page.locator("#sidebar a.channel", has_text="swarm-0001-card-payments-declined")
    expect(case_link).to_be_visible()
    case_link.click()
    messages = page.locator("#messages")
    expect(messages.locator(".b-header")).to_have_text("#0001 Card payments declined")
    expect(messages).to_contain_text("Severity: 🔴 sev1")
    expect(messages).to_contain_text("Recommended experts, invited now")

    invited = page.locator("#sidebar a.channel[data-as]").first  # the bot's DM with an expert
    expect(invited).to_be_visible()
    expert = invited.get_attribute("data-as")
    assert expert and expert != "maya"
    invited.click()
    expect(page.locator("#as-user")).to_have_value(expert)  # in their DM you act as them
    invite = messages.locator(".message", has_text="could use your help")
    expect(invite).to_contain_text("#0001 Card payments declined")
    expect(invite.locator("button.reaction[data-emoji='white_check_mark']")).to_be_visible()
    expect(invite.locator("button.reaction[data-emoji='x']")).to_be_visible()

    invite.locator("button.reaction[data-emoji='white_check_mark']").click()
    expect(invite).to_contain_text("This invite is accepted")
    expect(invite.locator("button.reaction.mine[data-emoji='white_check_mark']")).to_be_visible()

    _open(page, "swarm-0001-card-payments-declined")
    expect(page.locator("#channel-header .members")).to_contain_text(f"@{expert}")
    expect(messages).to_contain_text(f"@{expert} accepted the invite and joined the swarm")

    page.select_option("#as-user", "maya")
    _command(page, "/swarm resolve Card BIN table was stale; reloaded")
    resolved = messages.locator(".message", has_text="Case #0001 resolved")
    expect(resolved).to_contain_text("Resolution: Card BIN table was stale; reloaded")
    # maya declared it for herself: nobody is asked to confirm her own fix
    expect(resolved.get_by_role("button", name="Yes, resolved")).to_have_count(0)
    resolved.get_by_role("button", name="Reopen").click()  # a Block Kit button
    expect(messages.locator(".message.ephemeral").last).to_contain_text(
        "Case #0001 is open again")


def test_declare_through_the_modal(page) -> None:  # type: ignore[no-untyped-def]
    _open(page, "#general")
    _command(page, "/swarm new")
    modal = page.locator("form.modal")
    expect(modal.locator(".modal-title")).to_have_text("Declare a case")
    modal.locator("[name='case_title/value']").fill("Search results empty for shoes")
    modal.locator("[name='case_severity/value']").select_option("sev1")
    modal.locator("[name='case_service/value']").fill("search")
    modal.get_by_role("button", name="Declare").click()
    expect(modal).to_have_count(0)

    case_link = page.locator("#sidebar a.channel", has_text="search-results-empty-for-shoes")
    expect(case_link).to_be_visible()
    case_link.click()
    expect(page.locator("#messages .b-header")).to_have_text(
        re.compile(r"#\d{4} Search results empty for shoes"))
    expect(page.locator("#channel-header .members")).to_contain_text("@maya")


def test_a_command_the_bot_refuses_is_explained(page) -> None:  # type: ignore[no-untyped-def]
    _command(page, "/swarm frobnicate")
    expect(page.locator("#messages .message.ephemeral").last).to_contain_text(
        "is not a swarmbot command")
    _command(page, "/deploy now")
    expect(page.locator("#notice")).to_contain_text("/deploy is not a valid command")


def test_emoji_the_bot_writes_show_as_emoji(page) -> None:  # type: ignore[no-untyped-def]
    """`:books:` and the rest render as the emoji (the `emoji` package's table, every
    shortcode Slack knows), never as raw `:name:` text."""
    _command(page, "/swarm similar card payments declined")
    messages = page.locator("#messages")
    expect(messages).to_contain_text("📚 From the history")
    shown = messages.inner_text()
    assert not re.search(r":[a-z0-9_+\-]+:", shown.replace("::", "")), shown
    # the emoji span carries the shortcode, as Slack's hover does
    expect(messages.locator("span.emoji[title=':books:']").first).to_have_text("📚")


EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")


@pytest.mark.skipif(not EMOJI_FONT.exists(), reason="no colour emoji font "
                    "(apt-get install fonts-noto-color-emoji; .ci/run installs it)")
def test_emoji_are_drawn_in_colour(page) -> None:  # type: ignore[no-untyped-def]
    """With the font .ci/run installs, Chromium draws the page's emoji as colour glyphs
    (not empty boxes): some pixel of a drawn 📚 is far from grey."""
    coloured = page.evaluate("""() => {
        const canvas = document.createElement("canvas");
        canvas.width = canvas.height = 64;
        const ctx = canvas.getContext("2d");
        ctx.font = "48px " + getComputedStyle(document.body).fontFamily;
        ctx.fillText("\\u{1F4DA}", 4, 52);
        const px = ctx.getImageData(0, 0, 64, 64).data;
        for (let i = 0; i < px.length; i += 4) {
            const [r, g, b, a] = [px[i], px[i + 1], px[i + 2], px[i + 3]];
            if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60) return true;
        }
        return false;
    }""")
    assert coloured

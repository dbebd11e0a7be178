"""Every emoji shortcode swarmbot writes has a character on the sandbox page (the `emoji`
package's alias table plus Slack's own spellings), and an unknown one stays raw, as in Slack."""

from __future__ import annotations

import re
from pathlib import Path

from bot.sandbox.web.emoji_names import character
from bot.sandbox.web.render import Directory, mrkdwn, text_object

ROOT = Path(__file__).resolve().parents[2]


def _written_by_the_bot() -> set[str]:
    names: set[str] = set()
    for folder in ("bot/slack", "bot/services", "bot/domain"):
        for path in (ROOT / folder).rglob("*.py"):
            names.update(re.findall(r'[ "\'(]:([a-z][a-z0-9_+\-]*):', path.read_text("utf-8")))
    return names


def test_every_shortcode_the_bot_writes_renders() -> None:
    names = _written_by_the_bot()
    assert {"books", "telephone_receiver", "busts_in_silhouette", "gear"} <= names
    assert sorted(n for n in names if character(n) is None) == []


def test_slack_spellings_and_skin_tones() -> None:
    assert character("large_orange_circle") == "🟠"
    assert character("thumbsup") == character("+1") == "👍"
    assert character("wave::skin-tone-3") == "👋"
    assert character("not_an_emoji_anyone_knows") is None


def test_mrkdwn_and_plain_text_render_them() -> None:
    html = mrkdwn(":telephone_receiver: Call for this case", Directory())
    assert '<span class="emoji" title=":telephone_receiver:">📞</span>' in html
    assert mrkdwn("ratio 10:30:45 :nope_nope:", Directory()).endswith(":nope_nope:")
    assert text_object({"type": "plain_text", "text": ":books: history"}, Directory()) == \
        "📚 history"

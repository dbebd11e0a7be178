"""Messages in the reader's language, over real HTTP against the emulator: what one person
sees follows their Slack locale (users.info include_locale, kept current by user_change);
what a channel sees follows SWARMBOT_LANGUAGE."""

from __future__ import annotations

import json

import pytest

from bot.sandbox.emulator import SlackEmulator
from tests.e2e.conftest import RunningBot, Workspace

pytestmark = pytest.mark.e2e


def _locale(bot: RunningBot, user: str) -> str | None:
    with bot.container.uow() as uow:
        expert = uow.experts.get(user)
        return expert.locale if expert else None


def _answer(result: object) -> str:
    return json.dumps(getattr(result, "body", None), ensure_ascii=False)


def test_a_person_reads_their_slack_locale_and_the_channel_reads_the_workspace_language(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    kenji, maya = parcelly["kenji"], parcelly["maya"]
    emulator.change_locale(kenji, "ja-JP")  # user_change carries no locale: users.info does
    emulator.wait_for(lambda: _locale(bot, kenji) == "ja-JP", timeout=20,
                      message="kenji's locale learnt from users.info include_locale")
    assert any(c["params"].get("include_locale") in (True, "true", "1")
               for c in emulator.calls("users.info"))

    assert "あなたのスキル" in _answer(emulator.slash_command(kenji, "/swarm", "skills",
                                                           channel=parcelly.general))
    assert "Your skills" in _answer(emulator.slash_command(maya, "/swarm", "skills",
                                                         channel=parcelly.general))
    unknown = _answer(emulator.slash_command(kenji, "/swarm", "frobnicate",
                                             channel=parcelly.general))
    assert "swarmbot のコマンドではありません" in unknown

    emulator.open_home(kenji)
    emulator.wait_for(lambda: "あなたの対応中の案件" in json.dumps(
        emulator.workspace.home.get(kenji) or {}, ensure_ascii=False), timeout=20,
        message="kenji's App Home in Japanese")

    declared = _answer(emulator.slash_command(kenji, "/swarm", "new 決済が失敗する 緊急 "
                                              "service:payments", channel=parcelly.general))
    assert "案件 #0001 を宣言しました" in declared  # 緊急: sev1
    bot.settle(timeout=30)
    channel = next(c for c in emulator.channels() if c["name"].startswith("swarm-0001"))
    said = json.dumps(emulator.messages(channel["id"]), ensure_ascii=False)
    assert "*Severity:*" in said and "From the history" in said  # the channel reads English
    assert "重大度" not in said

    emulator.change_locale(kenji, "en-US")  # switched back in Slack: English from then on
    emulator.wait_for(lambda: _locale(bot, kenji) == "en-US", timeout=20,
                      message="kenji's new locale")
    assert "Your skills" in _answer(emulator.slash_command(kenji, "/swarm", "skills",
                                                         channel=parcelly.general))


class TestAJapaneseWorkspace:
    @pytest.fixture
    def extra_settings(self) -> dict[str, object]:
        return {"language": "ja"}  # SWARMBOT_LANGUAGE=ja

    def test_channels_read_japanese_and_so_does_a_person_slack_has_not_described_yet(
            self, emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
        answer = _answer(emulator.slash_command(parcelly["maya"], "/swarm", "new 決済が失敗する "
                                                "sev2 service:payments",
                                                channel=parcelly.general))
        assert "案件 #0001 を宣言しました" in answer  # maya's locale not known yet: ja
        bot.settle(timeout=30)
        channel = next(c for c in emulator.channels() if c["name"].startswith("swarm-0001"))
        assert channel["purpose"] == "決済が失敗する"
        assert channel["topic"].startswith("決済が失敗する · #0001 · sev2 · 担当 @maya")
        said = json.dumps(emulator.messages(channel["id"]), ensure_ascii=False)
        assert "*重大度:*" in said and "対応中" in said and "過去の案件から" in said
        assert "*Severity:*" not in said
        # users.info said maya reads English (en-US): her own answers are English now
        assert "Your skills" in _answer(emulator.slash_command(
            parcelly["maya"], "/swarm", "skills", channel=parcelly.general))

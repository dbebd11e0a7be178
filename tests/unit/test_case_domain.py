import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.case import CaseDraft, channel_name, parse_declaration, parse_severity
from bot.domain.errors import InvalidInput, UsageError
from bot.sandbox.emulator.api_conversations import check_channel_name


def test_declaration_picks_severity_service_and_tags_anywhere() -> None:
    draft = parse_declaration("sev1 Checkout latency #db service:Payments over 2s #latency #db")
    assert draft == CaseDraft(title="Checkout latency over 2s", severity="sev1",
                              service="payments", tags=("db", "latency"))


def test_declaration_without_severity_gets_the_default() -> None:
    assert parse_declaration("Printer on fire").severity == "sev3"


@pytest.mark.parametrize("word", ["sev2", "SEV-2", "s2", "P2", "2"])
def test_severity_spellings(word: str) -> None:
    assert parse_severity(word) == "sev2"


def test_bad_severity_says_what_is_allowed() -> None:
    with pytest.raises(InvalidInput, match="sev1 .*sev4"):
        parse_severity("sev9")


def test_a_severity_out_of_range_is_refused_not_taken_as_title() -> None:
    with pytest.raises(InvalidInput, match="not a severity"):
        parse_declaration("Broken thing sev9")


def test_missing_title_explains_the_usage() -> None:
    with pytest.raises(UsageError, match="needs a title"):
        parse_declaration("sev1 service:db #x")


def test_oversized_title_is_refused() -> None:
    with pytest.raises(InvalidInput, match="characters"):
        parse_declaration("x" * 200)


def test_channel_name_is_readable() -> None:
    assert channel_name(42, "Checkout latency > 2s!") == "swarm-0042-checkout-latency-2s"
    assert channel_name(42, "Checkout", suffix=1) == "swarm-0042-checkout-2"
    assert channel_name(7, "🔥🔥") == "swarm-0007"
    assert channel_name(7, "Café crème down") == "swarm-0007-cafe-creme-down"


def test_channel_names_keep_the_words_of_other_scripts_or_read_them_out() -> None:
    assert channel_name(6, "決済が失敗する") == "swarm-0006-決済が失敗する"
    assert channel_name(6, "Ошибка оплаты") == "swarm-0006-ошибка-оплаты"
    assert channel_name(6, "ＤＢ　ｄｏｗｎ") == "swarm-0006-db-down"
    assert channel_name(6, "決済が失敗する", romanised=True) == "swarm-0006-kessai-ga-shippai-suru"
    assert channel_name(6, "Ошибка оплаты", romanised=True) == "swarm-0006-oshibka-oplaty"
    assert len(channel_name(6, "決済" * 100, suffix=12)) <= 80


@given(st.integers(min_value=1, max_value=10**7), st.text(max_size=300),
       st.integers(min_value=0, max_value=99))
@settings(max_examples=150, deadline=None)
def test_channel_names_are_always_valid_for_slack(case_id: int, title: str, suffix: int) -> None:
    name = channel_name(case_id, title, suffix=suffix)
    assert check_channel_name(name) == name and len(name) <= 80
    assert name.startswith(f"swarm-{case_id:04d}")
    ascii_name = channel_name(case_id, title, suffix=suffix, romanised=True)
    assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", ascii_name) and len(ascii_name) <= 80
    assert check_channel_name(ascii_name, ascii_only=True) == ascii_name


def test_two_severities_or_two_services_are_refused_not_guessed() -> None:
    with pytest.raises(InvalidInput, match="one severity: both sev1 and sev3"):
        parse_declaration("Disk full sev1 sev3")
    with pytest.raises(InvalidInput, match="one service"):
        parse_declaration("Disk full service:db service:web")
    assert parse_declaration("Disk full sev1 SEV-1").severity == "sev1"  # the same, twice


def test_full_width_severity_service_and_tags_are_understood_and_the_title_kept() -> None:
    draft = parse_declaration("決済が失敗する ｓｅｖ１ ｓｅｒｖｉｃｅ：ｐａｙｍｅｎｔｓ ＃ｄｂ")
    assert (draft.title, draft.severity, draft.service, draft.tags) == (
        "決済が失敗する", "sev1", "payments", ("db",))


def test_japanese_severity_words_name_the_severity_only_as_words_of_their_own() -> None:
    draft = parse_declaration("決済が失敗する 緊急 service:payments")
    assert (draft.title, draft.severity) == ("決済が失敗する", "sev1")
    assert parse_declaration("ログイン画面が遅い 軽微").severity == "sev3"
    kept = parse_declaration("緊急対応の手順が古い")  # inside a title word: still the title
    assert (kept.title, kept.severity) == ("緊急対応の手順が古い", "sev3")
    assert parse_severity("重大") == "sev2" and parse_severity("低") == "sev4"

import pytest

from bot.domain.errors import UsageError
from bot.slack.commands import mentioned_users, parse_command_text


def test_empty_text_means_help() -> None:
    assert parse_command_text("   ").name == "help"


def test_subcommand_is_case_insensitive_and_keeps_argument_text() -> None:
    request = parse_command_text("NEW  Checkout latency  sev1 service:payments")
    assert request.name == "new"
    assert request.args == "Checkout latency  sev1 service:payments"


def test_oversized_text_is_refused_with_a_reason() -> None:
    with pytest.raises(UsageError, match="too long"):
        parse_command_text("status " + "x" * 5000)


def test_mentions_in_slack_escaped_form() -> None:
    assert mentioned_users("invite <@U123|alice> and <@W9ABC> <@U123>") == ["U123", "W9ABC"]


def test_a_plain_at_name_is_refused_not_ignored() -> None:
    from bot.domain.errors import InvalidInput
    from bot.slack.commands import people_named

    assert people_named("fix it <@U123|ana> by friday, mail ops@example.com") == ["U123"]
    for text in ("@ana", "fix the export @ana", "<@U123> @bo.b"):
        with pytest.raises(InvalidInput, match="plain text, not a Slack mention"):
            people_named(text)

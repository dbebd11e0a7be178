import pytest

from bot.config import load_settings
from bot.domain.errors import ConfigError


def test_reads_slack_and_heroku_names_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-abc")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "shh")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/swarm")
    monkeypatch.setenv("PORT", "5055")
    settings = load_settings()
    assert settings.slack_bot_token.get_secret_value() == "xoxb-abc"
    assert settings.database_url == "postgresql+psycopg://u:p@db.example:5432/swarm"
    assert settings.port == 5055
    assert not settings.sandbox


def test_defaults_run_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "DATABASE_URL", "SLACK_API_URL", "PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.sandbox
    assert settings.database_url.startswith("sqlite:///")
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.status_cadence["sev1"] == 15


def test_serve_runs_one_web_process_on_sqlite_and_one_per_core_on_postgresql(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert load_settings(_env_file=None, database_url="sqlite:///x.sqlite3").web_processes == 1
    assert load_settings(_env_file=None, database_url="postgresql://db/x").web_processes == 4
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert load_settings(_env_file=None, database_url="postgresql://db/x").web_processes == 3


@pytest.mark.parametrize(
    ("variable", "value"),
    [("PORT", "eighty"), ("DATABASE_URL", "mysql://x/y"), ("SLACK_API_URL", "slack.com"),
     ("SWARMBOT_SWARM_SEVERITIES", "sev1,critical"), ("SWARMBOT_STATUS_CADENCE", "sev1:15"),
     ("SWARMBOT_CASE_FEED_URL", "tickets.example.com/hook")],
)
def test_malformed_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str,
                                              value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as error:
        load_settings(_env_file=None)
    assert variable in str(error.value)
    assert "Traceback" not in str(error.value)


def test_secrets_do_not_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    assert "xoxb-very-secret" not in repr(load_settings(_env_file=None))


def test_a_case_feed_without_its_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWARMBOT_CASE_FEED_URL", "https://tickets.example.com/swarmbot")
    monkeypatch.delenv("SWARMBOT_CASE_FEED_SECRET", raising=False)
    with pytest.raises(ConfigError, match="SWARMBOT_CASE_FEED_SECRET must be set"):
        load_settings(_env_file=None)
    monkeypatch.setenv("SWARMBOT_CASE_FEED_SECRET", "s3cret")
    assert load_settings(_env_file=None).case_feed_url == "https://tickets.example.com/swarmbot"


def test_an_app_token_chooses_socket_mode_and_needs_no_signing_secret(tmp_path) -> None:
    from bot.bootstrap import build

    settings = load_settings(_env_file=None, slack_bot_token="xoxb-1",
                             slack_app_token=" xapp-1-A1-2-abc ",
                             database_url=f"sqlite:///{tmp_path}/db.sqlite3")
    assert settings.socket_mode
    assert settings.slack_app_token.get_secret_value() == "xapp-1-A1-2-abc"
    container = build(settings)  # opens nothing: the connection starts with start()
    assert container.socket is not None and not container.socket.connected()
    assert container.web_app.test_client().get("/healthz").json["slack"]["mode"] == "socket"
    container.close()
    assert not load_settings(_env_file=None, slack_app_token="").socket_mode


def test_an_app_token_that_is_not_one_is_refused_naming_the_variable() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(_env_file=None, slack_app_token="xoxb-123-secret")
    assert "SLACK_APP_TOKEN" in str(refused.value) and "xapp-" in str(refused.value)
    assert "xoxb-123-secret" not in str(refused.value)


@pytest.mark.parametrize("token", ["hello", "xapp-1-A1-2-abc", "xoxp-1-user-token"])
def test_a_bot_token_that_is_not_one_is_refused_naming_the_variable(token: str) -> None:
    """Before: swarmbot serve started with it and every Slack call failed later."""
    with pytest.raises(ConfigError) as refused:
        load_settings(_env_file=None, slack_bot_token=token)
    assert "SLACK_BOT_TOKEN" in str(refused.value) and "xoxb-" in str(refused.value)
    assert token not in str(refused.value)
    assert load_settings(_env_file=None, slack_bot_token=" xoxb-1-2-abc ") \
        .slack_bot_token.get_secret_value() == "xoxb-1-2-abc"  # type: ignore[union-attr]

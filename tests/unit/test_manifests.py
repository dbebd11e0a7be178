"""The two Slack app manifests describe one app: slack/manifest.socket.yml is
slack/manifest.yml without its request URLs and with socket_mode_enabled — a scope or event
added to one and not the other would make the two modes behave differently."""

from __future__ import annotations

from pathlib import Path

SLACK = Path(__file__).resolve().parents[2] / "slack"


def _app(path: Path) -> list[str]:
    """The manifest's lines without comment lines, URLs and the Socket Mode switch."""
    return [line for line in path.read_text().splitlines()
            if not line.startswith("#")
            and not line.strip().startswith(("url:", "request_url:", "socket_mode_enabled:"))]


def test_the_socket_mode_manifest_is_the_http_one_without_request_urls() -> None:
    http, socket = SLACK / "manifest.yml", SLACK / "manifest.socket.yml"
    assert _app(socket) == _app(http)
    assert "  socket_mode_enabled: true" in socket.read_text().splitlines()
    assert "  socket_mode_enabled: false" in http.read_text().splitlines()
    assert "url:" not in socket.read_text().replace("# ", "")

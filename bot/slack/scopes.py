"""The bot token scopes swarmbot needs: the ones `slack/manifest.yml` asks for (a test keeps
the two the same). `swarmbot doctor` compares them with the scopes the installed app has."""

from __future__ import annotations

BOT_SCOPES = frozenset({
    "channels:manage", "channels:read", "channels:history",
    "groups:write", "groups:read", "groups:history",
    "chat:write", "chat:write.public", "commands",
    "im:write", "im:history",
    "reactions:read", "reactions:write",
    "users:read", "usergroups:read",
    "bookmarks:write", "bookmarks:read",
})


def granted(header: str | None) -> frozenset[str]:
    """The scopes in an `X-OAuth-Scopes` response header ("chat:write,commands", with or
    without spaces after the commas)."""
    return frozenset(part.strip() for part in (header or "").split(",") if part.strip())

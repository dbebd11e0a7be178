"""Text someone typed, made safe to show in Slack mrkdwn — the one escaping function every
renderer uses where user text enters markup.

Slack parses `&`, `<` and `>` as control characters ("Formatting text for app surfaces":
escape these three), so typed text could otherwise ping (`<!channel>`, `<!here>`,
`<!everyone>`, `<!subteam^S1>`) or phish (`<http://evil|Re-authenticate>`). All of that is
shown as the characters typed. A mention of one person (`<@U123>`, or `<@U123|dana>` as Slack
sends an autocompleted mention) stays a mention: it names who was meant, and it is how the
bot's own texts (on the timeline) name people. Text from a slash command arrives with Slack's
own entities (`&lt;` for a typed `<`); those are kept, not escaped twice.

Not for plain_text objects (headers, buttons) — Slack does not parse them — nor for a channel
topic, which Slack shows as plain text (`conversations.setTopic`: "does not support formatting
or linkification")."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_TOKEN = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|[^<>]*)?>|&(?:amp|lt|gt);|[&<>]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str | None) -> str:
    """`text` for mrkdwn: `&`, `<`, `>` as entities, one-person mentions kept."""
    if not text:
        return ""

    def one(match: re.Match[str]) -> str:
        if match[1]:
            return f"<@{match[1]}>"
        token = match[0]
        return _ENTITIES.get(token, token)

    return _TOKEN.sub(one, text)


_PERSON = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^<>]*))?>")


def unmentioned(text: str) -> str:
    """Text a machine sent (a webhook's title, an alert's summary): a person's mention
    (`<@U123>`, `<@U123|dana>`) written as `@dana` / `@U123`, so it names without pinging.
    A monitoring tool cannot mean to page someone through the bot; `escape` then shows every
    other `<…>` as typed."""
    return _PERSON.sub(lambda m: "@" + (m[2] or m[1]), text) if text else text


_PLAIN_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^<>]*))?>")
_PLAIN_OTHER = re.compile(r"<([^<>]*)>")


def plain(text: str | None, names: dict[str, str] | None = None) -> str:
    """Markup made plain text, for a surface Slack does not parse (a channel topic):
    `<@U1>` becomes `@handle` (when `names` knows it), other `<…>` its label or target, and
    entities their characters."""
    if not text:
        return ""
    names = names or {}

    def person(match: re.Match[str]) -> str:
        return "@" + (names.get(match[1]) or match[2] or match[1])

    def other(match: re.Match[str]) -> str:
        inner = match[1]
        target, _, label = inner.partition("|")
        return label or target.lstrip("!#").replace("subteam^", "")

    text = _PLAIN_OTHER.sub(other, _PLAIN_MENTION.sub(person, text))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# -- how Slack's syntax names things: the one place outside bot/slack that writes it --------
def mention(user: str) -> str:
    """A person, as Slack mrkdwn names them."""
    return f"<@{user}>"


def channel_link(channel: str) -> str:
    """A channel, as Slack mrkdwn links it."""
    return f"<#{channel}>"


def group_mention(group: str) -> str:
    """A user group, as Slack mrkdwn names it."""
    return f"<!subteam^{group}>"


def slack_time(moment: datetime) -> str:
    """A time Slack shows in each reader's own zone (`<!date^…>`), with a UTC fallback."""
    fallback = f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"

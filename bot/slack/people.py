"""The people directory through Slack's users.info
(https://api.slack.com/methods/users.info): a read the bot makes before a use case records a
person someone typed."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.errors import Unavailable
from bot.services.people import Person
from bot.slack.effects.support import slack_error

SLACKBOT = "USLACKBOT"  # Slack's own bot: users.info calls it a person (is_bot false)


class SlackPeople:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def lookup(self, user_id: str) -> Person | None:
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            if slack_error(error) in ("user_not_found", "users_not_found"):
                return None
            raise Unavailable("Slack did not say who that is just now; nothing was changed. "
                              "Please try again.") from error
        except OSError as error:
            raise Unavailable("Slack did not answer just now; nothing was changed. Please "
                              "try again.") from error
        return Person(user_id=user_id, deleted=bool(user.get("deleted")),
                      is_bot=bool(user.get("is_bot")) or user_id == SLACKBOT)

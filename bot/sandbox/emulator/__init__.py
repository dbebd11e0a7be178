"""The Slack emulator: the parts of Slack swarmbot uses, stateful, over real HTTP."""

from bot.sandbox.emulator.emulator import (
    Attempt, CommandResult, DeliveryResult, SlackEmulator)
from bot.sandbox.emulator.state import SlackError

__all__ = ["Attempt", "CommandResult", "DeliveryResult", "SlackEmulator", "SlackError"]

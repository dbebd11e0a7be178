"""The Slack emulator: the parts of Slack swarmbot uses, stateful, over real HTTP.

Modules: emulator (SlackEmulator, the facade), state (the workspace), web_api + api_*
(Web API methods), actors (users acting), payloads (Slack's payload formats), events
(Events API delivery and retries), transport (signing, posting to the bot), socket_mode
(Socket Mode: apps.connections.open's WebSocket, envelopes and acks), blocks (Block Kit
format checks), faults (fault injection, rate limits), server (HTTP)."""

from bot.sandbox.emulator.actors import CommandResult
from bot.sandbox.emulator.emulator import SlackEmulator
from bot.sandbox.emulator.events import Attempt, DeliveryResult
from bot.sandbox.emulator.state import SlackError

__all__ = ["Attempt", "CommandResult", "DeliveryResult", "SlackEmulator", "SlackError"]

"""Moved to `bot.delivery`; these names stay importable from here for older callers."""

from bot.delivery.claims import InFlight
from bot.delivery.deliver import DeliveryReport, deliver_next
from bot.delivery.protocol import EffectExecutor, Later, NotReady, PermanentFailure
from bot.delivery.retry import LEASE, MAX_BACKOFF, WAIT, backoff

__all__ = ["LEASE", "MAX_BACKOFF", "WAIT", "DeliveryReport", "EffectExecutor", "InFlight",
           "Later", "NotReady", "PermanentFailure", "backoff", "deliver_next"]

"""Reliability suites reuse the end-to-end fixtures (emulator, bot, clock, Parcelly)."""

from tests.e2e.conftest import (  # noqa: F401 — fixtures
    bot,
    clock,
    emulator,
    extra_settings,
    model_path,
    parcelly,
    policy_file,
    sample_model,
    transport,
)

"""Text for Slack is made at the edge (bot/slack/), not in the use cases: a converted service
module returns typed results, and bot/slack/replies.py has a sentence for each of them."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import typing
from pathlib import Path

import pytest

from bot.slack.replies import reply

ROOT = Path(__file__).resolve().parents[2]
# Service modules whose use cases return typed results (issue 17). The ones not listed yet
# still return sentences; convert one, then add it here.
# Results nobody is answered with (an invite answered by a reaction: the event has no reply;
NOT_REPLIES = {"InviteAnswer", "Outlook"}  # Outlook: what the model sees, worded as History
CONVERTED = ["approvals", "cases", "escalation", "expertise", "followups", "knowledge",
             "leaving", "resolution", "review", "status", "swarm", "workflows"]


def _public_functions(module: str) -> list[ast.FunctionDef]:
    tree = ast.parse((ROOT / "bot" / "services" / f"{module}.py").read_text())
    return [node for node in tree.body
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")]


@pytest.mark.parametrize("module", CONVERTED)
def test_a_converted_use_case_returns_no_sentence(module: str) -> None:
    for function in _public_functions(module):
        for node in ast.walk(function):
            text = isinstance(node, ast.Return) and (
                isinstance(node.value, ast.JoinedStr)
                or isinstance(node.value, ast.Constant) and isinstance(node.value.value, str))
            assert not text, f"bot.services.{module}.{function.name} returns text " \
                             f"(line {getattr(node, 'lineno', '?')})"


@pytest.mark.parametrize("module", CONVERTED)
def test_every_result_of_a_converted_use_case_has_a_reply(module: str) -> None:
    """Each result class a use case of the module is declared to return (`-> A | B`)."""
    loaded = importlib.import_module(f"bot.services.{module}")
    results = set()
    for function in _public_functions(module):
        returned = typing.get_type_hints(getattr(loaded, function.name)).get("return")
        for cls in typing.get_args(returned) or (returned,):
            if dataclasses.is_dataclass(cls) and cls.__module__ == loaded.__name__ \
                    and cls.__name__ not in NOT_REPLIES:
                results.add(cls)
    for cls in results:
        assert cls in reply.registry, f"bot/slack/replies.py has no reply for {cls.__name__}"

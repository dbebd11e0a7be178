"""Text for Slack is made at the edge (bot/slack/), not in the use cases: a converted service
module returns typed results, and bot/slack/replies.py has a sentence for each of them."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
from pathlib import Path

import pytest

from bot.slack.replies import reply

ROOT = Path(__file__).resolve().parents[2]
# Service modules whose use cases return typed results (issue 17). The ones not listed yet
# still return sentences; convert one, then add it here.
CONVERTED = ["cases", "escalation"]


def _public_functions(module: str) -> list[ast.FunctionDef]:
    tree = ast.parse((ROOT / "bot" / "services" / f"{module}.py").read_text())
    return [node for node in tree.body
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")]


@pytest.mark.parametrize("module", CONVERTED)
def test_a_converted_use_case_returns_no_sentence(module: str) -> None:
    for function in _public_functions(module):
        returns = ast.unparse(function.returns) if function.returns else ""
        assert returns != "str", f"bot.services.{module}.{function.name} returns a sentence"
        for node in ast.walk(function):
            text = isinstance(node, ast.Return) and (
                isinstance(node.value, ast.JoinedStr)
                or isinstance(node.value, ast.Constant) and isinstance(node.value.value, str))
            assert not text, f"bot.services.{module}.{function.name} returns text " \
                             f"(line {getattr(node, 'lineno', '?')})"


@pytest.mark.parametrize("module", CONVERTED)
def test_every_result_of_a_converted_module_has_a_reply(module: str) -> None:
    loaded = importlib.import_module(f"bot.services.{module}")
    results = [cls for _, cls in inspect.getmembers(loaded, inspect.isclass)
               if dataclasses.is_dataclass(cls) and cls.__module__ == loaded.__name__]
    assert results, f"bot.services.{module} defines no result"
    for cls in results:
        assert cls in reply.registry, f"bot/slack/replies.py has no reply for {cls.__name__}"

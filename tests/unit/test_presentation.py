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
NOT_REPLIES = {"InviteAnswer", "Outlook",  # Outlook: what the model sees, worded as History
               "SwarmPlanned"}  # an outbox effect's result: the declarer reads a note
CONVERTED = ["approvals", "cases", "cold_start", "escalation", "expertise", "followups",
             "knowledge", "leaving", "resolution", "review", "status", "swarm", "workflows"]


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


# -- no Slack markup made in the use cases or the domain (issue 17) -----------------------
MARKUP = ("<@", "<#", "<!")
# bot/domain/mrkdwn.py is Slack's syntax itself (escaping, and the one mention/link/date
# writer the renderers call); nothing else in bot/services or bot/domain writes it.
SYNTAX_MODULE = ROOT / "bot" / "domain" / "mrkdwn.py"
NOTE_EFFECTS = {"post", "ephemeral"}


def _modules() -> list[Path]:
    return sorted(p for folder in ("services", "domain") for p in (ROOT / "bot" / folder).glob(
        "*.py") if p != SYNTAX_MODULE)


def _docstrings(tree: ast.AST) -> set[int]:
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)}


def _patterns(tree: ast.AST) -> set[int]:
    """String literals given to `re` (they read markup, they do not write it)."""
    return {id(arg) for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re" for arg in node.args}


def markup_made_in(path: Path) -> list[str]:
    """Where `path` writes Slack markup: a string or f-string holding `<@`, `<#` or `<!`,
    or a note effect (effects.post/ephemeral) given its words as `text=`."""
    tree = ast.parse(path.read_text())
    skipped = _docstrings(tree) | _patterns(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and any(m in node.value for m in MARKUP):
            found.append(f"{path.name}:{node.lineno} {node.value[:50]!r}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in NOTE_EFFECTS and isinstance(node.func.value, ast.Name) \
                and node.func.value.id == "effects" \
                and any(k.arg == "text" for k in node.keywords):
            found.append(f"{path.name}:{node.lineno} effects.{node.func.attr}(text=…)")
    return found


def test_no_use_case_or_domain_module_writes_slack_markup() -> None:
    found = [where for path in _modules() for where in markup_made_in(path)]
    assert not found, "Slack markup made outside bot/slack (give data, word it in " \
                      "bot/slack/notes.py or replies.py):\n" + "\n".join(found)


def test_no_use_case_returns_a_sentence() -> None:
    """Every service module, not only the CONVERTED ones: a public function returns data."""
    for path in sorted((ROOT / "bot" / "services").glob("*.py")):
        tree = ast.parse(path.read_text())
        for function in (n for n in tree.body if isinstance(n, ast.FunctionDef)
                         and not n.name.startswith("_")):
            for node in ast.walk(function):
                assert not (isinstance(node, ast.Return) and (
                    isinstance(node.value, ast.JoinedStr) or isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, str))), \
                    f"{path.name}:{node.lineno} {function.name} returns text"


def test_the_markup_check_finds_what_it_is_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('def f(uow, actor, case):\n'
                      '    effects.post(uow, case=case, text="hi")\n'
                      '    return f"<@{actor}> did it"\n')
    assert len(markup_made_in(sample)) == 2

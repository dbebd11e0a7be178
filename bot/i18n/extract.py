"""The catalog's extractor (Babel's extraction-method interface; bot/i18n/catalog.py runs
it): the strings in `_()`, `N_()`, `ngettext()`, a `/swarm` subcommand's summary and the
sentence of a domain error raised with a fixed message
(`raise NotFound("There is no case {reference}.", values=…)`).

Read with `ast` rather than Babel's tokenizer so that a message built as an f-string — or a
literal joined to one — is not taken for a sentence of its own: such a message has its facts
inside and stays English until it is rewritten with `values` (docs/i18n.md)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import IO, Any

# Domain errors (bot/domain/errors.py) whose first argument is the sentence a user reads.
ERRORS = ("InvalidInput", "UsageError", "NotAllowed", "NotFound", "Conflict", "Unavailable")


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _text(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def messages(source: str) -> Iterator[tuple[int, str, str | tuple[str, str]]]:
    """(line, function, message) for each marked string of a module's source."""
    calls = sorted((node for node in ast.walk(ast.parse(source))
                    if isinstance(node, ast.Call) and node.args),
                   key=lambda call: (call.lineno, call.col_offset))
    for node in calls:
        name = _name(node.func)
        first = _text(node.args[0])
        if first is None:
            continue
        if name == "Subcommand" and len(node.args) >= 3:  # its summary, shown by /swarm help
            summary = _text(node.args[2])
            if summary:
                yield node.lineno, name, summary
            continue
        if name == "ngettext" and len(node.args) >= 2:
            second = _text(node.args[1])
            if second is not None:
                yield node.lineno, name, (first, second)
        elif name in ("_", "N_", *ERRORS) and first:
            yield node.lineno, name, first


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
            ) -> Iterator[tuple[int, str, str | tuple[str, str], list[str]]]:
    """Babel's extraction-method interface."""
    for line, name, message in messages(fileobj.read().decode("utf-8")):
        yield line, name, message, []

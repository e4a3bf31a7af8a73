"""The examples a requirement states: a call and the value it must give (or the error it raises).

Requirements state examples in many spellings: doctest sessions (``>>> f(1)`` then ``2``),
``f(1) == 2``, ``f(1) => 2``, ``f(1) ➞ 2``, ``f(1) should return 2``, and in prose as two code
spans (```f(1)` is `2```). Only what is unambiguous is kept: the call must parse as a Python
call and the value as a Python literal (``ast.literal_eval``), each on one line. They are the
user's own checks, so they become tests nobody may rewrite (see ``example_tests``).
"""

from __future__ import annotations

import ast
import contextlib
import doctest
import itertools
import re
from dataclasses import dataclass

#: Separators between a call and its value on one line, longest first so ``==>`` is not ``==``.
_ARROWS = ("should return", "==>", "=>", "➞", "→", "->", "==")
_SPANS = re.compile(
    r"`([^`\n]+)`\s+(?:is|returns|gives|==|=>|->|→|➞|should return|raises)\s+`([^`\n]+)`"
)
_SPAN_RAISES = re.compile(r"`([^`\n]+)`\s+raises\s+`?([A-Za-z_]\w*(?:Error|Exception))\b")
_FENCED = re.compile(r"^([ \t]*)(`{3,}|~{3,})[^\n]*\n(.*?)^\1\2[ \t]*$", re.M | re.S)
_QUOTES = {'"""', "'''"}
_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit))\b")


@dataclass(frozen=True)
class Example:
    """``call`` gives the literal ``expected``, or raises the exception named ``raises``."""

    call: str
    expected: str | None = None
    raises: str | None = None

    @property
    def names(self) -> list[str]:
        """The names the call uses (``Money`` and ``str`` in ``str(Money("1"))``), in order."""
        tree = ast.parse(self.call, mode="eval")
        return list(dict.fromkeys(n.id for n in ast.walk(tree) if isinstance(n, ast.Name)))


def requirement_examples(text: str) -> list[Example]:
    """Every example ``text`` states, in order, without repeats."""
    found: list[Example] = []
    for item in _doctests(text):
        example = _doctest_example(item.source, item.want, item.exc_msg)
        if example is not None:
            found.append(example)
    for paragraph in re.split(r"\n[ \t]*\n", text):
        # Prose wraps: a call and its value may sit on two lines of one paragraph.
        found += _span_examples(" ".join(paragraph.split("\n")))
    for line in text.splitlines():
        if line.lstrip().startswith((">>>", "...")):
            continue
        example = _line_example(line)
        if example is not None:
            found.append(example)
    return list(dict.fromkeys(found))


def _doctests(text: str) -> list[doctest.Example]:
    """The doctest examples of ``text``, read per fenced block and per paragraph when the whole
    does not parse (a closing fence right after a docstring reads as a badly indented output)."""
    parser = doctest.DocTestParser()
    found: list[doctest.Example] = []
    bodies = [match.group(3) for match in _FENCED.finditer(text)]
    for chunk in [_FENCED.sub("", text), *bodies]:
        try:
            found += parser.get_examples(chunk)
        except ValueError:
            for paragraph in re.split(r"\n[ \t]*\n", chunk):
                with contextlib.suppress(ValueError):  # still inconsistent: the lines apply
                    found += parser.get_examples(paragraph)
    return found


def _doctest_example(source: str, want: str, exc_msg: str | None) -> Example | None:
    call = source.strip()
    # A session at the end of a docstring runs into its closing quotes, which doctest reads as
    # part of the expected output.
    want = "\n".join(
        itertools.takewhile(lambda line: line.strip() not in _QUOTES, want.split("\n"))
    )
    if not _is_call(call):
        return None
    if exc_msg is not None:
        lines = want.strip().splitlines() or [""]
        match = _EXCEPTION_LINE.match(lines[-1].strip())
        return Example(call, raises=match.group(1).rsplit(".", 1)[-1]) if match else None
    expected = want.strip()
    return Example(call, expected) if "\n" not in expected and _is_literal(expected) else None


def _span_examples(line: str) -> list[Example]:
    examples = [
        Example(call.strip(), raises=error)
        for call, error in _SPAN_RAISES.findall(line)
        if _is_call(call.strip())
    ]
    for call, value in _SPANS.findall(line):
        if _is_call(call.strip()) and _is_literal(value.strip()):
            examples.append(Example(call.strip(), value.strip()))
    return examples


def _line_example(line: str) -> Example | None:
    """``call <arrow> value`` filling a whole line (a list marker and a final period aside)."""
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])?\s*", "", line).strip().rstrip(".").strip()
    if "`" in text:
        return None
    for arrow in _ARROWS:
        start = text.find(arrow)
        while start > 0:
            call, value = text[:start].strip(), text[start + len(arrow) :].strip()
            if _is_call(call) and _is_literal(value):
                return Example(call, value)
            start = text.find(arrow, start + 1)
    return None


def _is_call(text: str) -> bool:
    """A call whose callee chain starts from a plain name: ``f(x)``, ``A(1).b(2)``."""
    try:
        node = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError):
        return False
    if not isinstance(node, ast.Call):
        return False
    while isinstance(node, (ast.Call, ast.Attribute)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return isinstance(node, ast.Name)


def _is_literal(text: str) -> bool:
    try:
        ast.literal_eval(text)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        return False
    return bool(text)

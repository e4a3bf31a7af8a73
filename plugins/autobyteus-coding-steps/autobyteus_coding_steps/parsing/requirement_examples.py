"""The examples a requirement states: a call and the value it must give (or the error it raises).

Requirements state examples in many spellings: doctest sessions (``>>> f(1)`` then ``2``, or
``>>> f(1) == 2``), ``f(1) == 2``, ``f(1) => 2``, ``f(1) ➞ 2``, ``f(1) returns 2``, ``f(1) = 2``,
``f(1) should return 2``, in prose as two code spans (```f(1)` is `2```), and as the
arguments of a function the requirement declares (``For n = 1 the output should be 2``;
``Input: n = 1`` then ``Output: 2``). Only what is unambiguous is kept: the call must parse as a
Python call and the value as a Python literal (``ast.literal_eval``), each on one line. They are
the user's own checks, so they become tests nobody may rewrite (see ``example_tests``).
"""

from __future__ import annotations

import ast
import contextlib
import doctest
import itertools
import re
from dataclasses import dataclass

#: Separators between a call and its value on one line, longest first so ``==>`` is not ``==``.
_ARROWS = ("should return", "returns", "==>", "=>", "➞", "→", "->", "==")
_SPANS = re.compile(
    r"`([^`\n]+)`\s+(?:is|returns|gives|==|=>|->|→|➞|should return|raises)\s+`([^`\n]+)`"
)
_SPAN_RAISES = re.compile(r"`([^`\n]+)`\s+raises\s+`?([A-Za-z_]\w*(?:Error|Exception))\b")
_FENCED = re.compile(r"^([ \t]*)(`{3,}|~{3,})[^\n]*\n(.*?)^\1\2[ \t]*$", re.M | re.S)
_QUOTES = {'"""', "'''"}
_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit))\b")
_DEF = re.compile(
    r"^[ \t]*(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)[ \t]*\(([^()]*(?:\([^()]*\)[^()]*)*)\)", re.M
)
#: ``For x = 1, y = 2 the output should be 3``: the arguments, then the value.
_FOR_ARGUMENTS = re.compile(
    r"\bfor\s+(.+?),?\s+(?:then\s+)?(?:the\s+)?(?:output|result|answer|return value)\s+"
    r"(?:should\s+be|will\s+be|must\s+be|is)\s+(.+?)\s*\.?\s*$",
    re.I,
)
#: Words before a call on an example's line: ``For example, f(1) == 2``, ``assert f(1) == 2``.
_LEAD_IN = re.compile(r"(?:[A-Za-z][A-Za-z.]*[ \t]*[,:]?[ \t]+)+(?=[A-Za-z_]\w*[(.])")
_INPUT = re.compile(r"^\s*input\s*:\s*(.+?)\s*$", re.I)
_OUTPUT = re.compile(r"^\s*output\s*:\s*(.+?)\s*$", re.I)


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
        want = _before_closing_quotes(item.want)
        if want.strip() or item.exc_msg is not None:
            example = _doctest_example(item.source, want, item.exc_msg)
        else:  # ``>>> f(1) == 2``: the session states the check on its own line
            example = _line_example(item.source)
        if example is not None:
            found.append(example)
    for paragraph in re.split(r"\n[ \t]*\n", text):
        # Prose wraps: a call and its value may sit on two lines of one paragraph.
        found += _span_examples(" ".join(paragraph.split("\n")))
    lines = [line for line in text.splitlines() if not line.lstrip().startswith((">>>", "..."))]
    for line in lines:
        example = _line_example(line)
        if example is not None:
            found.append(example)
    found += _equation_examples(lines)
    found += _argument_examples(lines, _signatures(text))
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


def _before_closing_quotes(want: str) -> str:
    """A session at the end of a docstring runs into its closing quotes, which doctest reads as
    part of the expected output."""
    return "\n".join(
        itertools.takewhile(lambda line: line.strip() not in _QUOTES, want.split("\n"))
    )


def _doctest_example(source: str, want: str, exc_msg: str | None) -> Example | None:
    call = source.strip()
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
    return _split_line(line, _ARROWS)


def _split_line(line: str, arrows: tuple[str, ...]) -> Example | None:
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])?\s*", "", line).strip().rstrip(".").strip()
    if "`" in text:
        return None
    for arrow in arrows:
        start = text.find(arrow)
        while start > 0:
            # ``f(1)  # returns 2``: the arrow may sit in a comment after the call.
            call = _after_lead_in(text[:start].strip().removesuffix("#").strip())
            value = text[start + len(arrow) :].strip()
            if _is_call(call) and _is_literal(value):
                return Example(call, value)
            start = text.find(arrow, start + 1)
    return None


def _after_lead_in(text: str) -> str:
    """``text`` without a lead-in of plain words (``Example:``, ``for``, ``e.g.``) before a call."""
    if _is_call(text):
        return text
    lead_in = _LEAD_IN.match(text)
    return text[lead_in.end() :] if lead_in else text


def _equation_examples(lines: list[str]) -> list[Example]:
    """``f(1) = 2`` lines, unless the text defines a function that way: one ``f(n) = <formula>``
    line (a recurrence) makes every ``f(...) = ...`` line of it a definition, not an example."""
    examples: list[Example] = []
    defined: set[str] = set()
    for line in lines:
        if "==" in line or "=>" in line:
            continue
        example = _split_line(line, ("=",))
        if example is not None:
            examples.append(example)
            continue
        left, equals, _ = line.partition("=")
        left = left.strip().removeprefix("-").strip()
        if equals and _is_call(left):
            defined.update(_callees(left))
    return [e for e in examples if not defined.intersection(_callees(e.call))]


def _signatures(text: str) -> dict[str, list[tuple[str, bool]]]:
    """The functions ``text`` declares with ``def``: name → its parameters (name, required)."""
    found: dict[str, list[tuple[str, bool]]] = {}
    for name, parameters in _DEF.findall(text):
        try:
            tree = ast.parse(f"def {name}({parameters}): pass").body[0]
        except (SyntaxError, ValueError):
            continue
        assert isinstance(tree, ast.FunctionDef)
        positional = [*tree.args.posonlyargs, *tree.args.args]
        required = len(positional) - len(tree.args.defaults)
        found[name] = [(arg.arg, index < required) for index, arg in enumerate(positional)]
    return found


def _argument_examples(
    lines: list[str], signatures: dict[str, list[tuple[str, bool]]]
) -> list[Example]:
    """``For x = 1, y = 2 the output should be 3`` and ``Input: x = 1`` / ``Output: 3`` pairs,
    as calls of the one declared function those arguments fit."""
    if not signatures:
        return []
    examples: list[Example] = []
    stated = [line for line in lines if line.strip()]
    for index, line in enumerate(stated):
        arguments, value = None, None
        if match := _FOR_ARGUMENTS.search(line):
            arguments, value = match.group(1), match.group(2)
        elif (match := _INPUT.match(line)) and (
            output := _OUTPUT.match(stated[index + 1] if index + 1 < len(stated) else "")
        ):
            arguments, value = match.group(1), output.group(1)
        if arguments is None or value is None or not _is_literal(value):
            continue
        call = _fitting_call(arguments, signatures)
        if call is not None:
            examples.append(Example(call, value))
    return examples


def _fitting_call(arguments: str, signatures: dict[str, list[tuple[str, bool]]]) -> str | None:
    """The call of the one function whose parameters ``arguments`` (``x = 1, y = 2``, or bare
    values) fills, its arguments in the signature's order; the longest prefix of ``arguments``
    ending at a comma that parses is the arguments (``N = 150, the sum of digits is 6``)."""
    cuts = [len(arguments), *(i for i in range(len(arguments) - 1, 0, -1) if arguments[i] == ",")]
    for cut in cuts:
        try:
            source = f"f({arguments[:cut]})"
            call = ast.parse(source, mode="eval").body
        except (SyntaxError, ValueError):
            continue
        assert isinstance(call, ast.Call)
        values = [*call.args, *(keyword.value for keyword in call.keywords)]
        if not all(_is_literal(ast.unparse(value)) for value in values):
            return None
        given = {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}
        fitting = [
            name for name, parameters in signatures.items() if _fills(call.args, given, parameters)
        ]
        if len(fitting) != 1:
            return None
        parameters = signatures[fitting[0]]
        ordered = [
            *call.args,
            *(given[name] for name, _ in parameters[len(call.args) :] if name in given),
        ]
        rendered = ", ".join(
            ast.get_source_segment(source, value) or ast.unparse(value) for value in ordered
        )
        return f"{fitting[0]}({rendered})"
    return None


def _fills(
    positional: list[ast.expr], given: dict[str, ast.expr], parameters: list[tuple[str, bool]]
) -> bool:
    """Whether the arguments fill every required parameter, in order, and name no other."""
    if positional and given:
        return False  # ``Input: 3, k = 2`` is not a spelling requirements use
    if positional:
        return len(positional) <= len(parameters) and all(
            required is False for _, required in parameters[len(positional) :]
        )
    names = [name for name, _ in parameters]
    # Named in the signature's order with none left out before the last: a positional call.
    return (
        bool(given)
        and set(given) <= set(names)
        and names[: len(given)] == [name for name in names if name in given]
        and all(not required for name, required in parameters if name not in given)
    )


def _callees(call: str) -> set[str]:
    """The name a call's callee chain starts from (``A`` of ``A(1).b(2)``), of a checked call."""
    root = _root_name(ast.parse(call, mode="eval").body)
    return {root} if root else set()


def _is_call(text: str) -> bool:
    """A call whose callee chain starts from a plain name: ``f(x)``, ``A(1).b(2)``."""
    try:
        node = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError):
        return False
    return isinstance(node, ast.Call) and _root_name(node) is not None


def _root_name(node: ast.expr) -> str | None:
    """The plain name a chain of calls and attributes starts from, if it starts from one."""
    while isinstance(node, (ast.Call, ast.Attribute)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_literal(text: str) -> bool:
    try:
        ast.literal_eval(text)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        return False
    return bool(text)

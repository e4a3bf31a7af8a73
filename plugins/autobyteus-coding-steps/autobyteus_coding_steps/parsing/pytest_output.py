"""Reading test and import-check output: making it stable, and finding the files it blames."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_DURATION = re.compile(r"\bin \d+(?:\.\d+)?s\b")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
_QUOTED_MODULE = re.compile(r"""['"]([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)['"]""")
_FROM_MODULE = re.compile(r"\bfrom\s+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s+import\b")


def normalise_output(output: str, roots: Sequence[str]) -> str:
    """``output`` with the workspace's absolute path (``roots``: its spellings) shown as ``.``,
    durations and memory addresses blanked, so the same failure always reads the same (and a
    resumed run finds its recorded fix calls again)."""
    text = output.replace("\r\n", "\n")
    for root in sorted({r.rstrip("/") for r in roots if r}, key=len, reverse=True):
        text = text.replace(root + "/", "").replace(root, ".")
    text = _DURATION.sub("in Ns", text)
    return _ADDRESS.sub("0x…", text)


def blamed_files(output: str, files: Sequence[str], modules: Mapping[str, str]) -> list[str]:
    """Which of ``files`` (workspace-relative paths) the output mentions, by path or by module
    name (``modules``: dotted name → path), in the order they first appear."""
    positions: dict[str, int] = {}

    def seen(path: str, index: int) -> None:
        if path in files and (path not in positions or index < positions[path]):
            positions[path] = index

    for path in files:
        match = re.search(rf"(?<![\w/.]){re.escape(path)}\b", output)
        if match:
            seen(path, match.start())
    for pattern in (_QUOTED_MODULE, _FROM_MODULE):
        for match in pattern.finditer(output):
            name = match.group(1)
            while name:
                if name in modules:
                    seen(modules[name], match.start())
                    break
                name = name.rpartition(".")[0]
    return sorted(positions, key=lambda path: positions[path])


#: ``path:line: assert ...`` of ``--tb=line`` output, with or without the error's name.
_FAILED_ASSERT = r"^(?P<path>[\w./\-]+\.py):(?P<line>\d+): (?:AssertionError: )?assert "
_FAILED_COMPARISON = re.compile(_FAILED_ASSERT + r"(?P<left>.+?) == (?P<right>.+?)$", re.M)
_APPROX_TAIL = re.compile(r"\s*±\s*\S+$")


@dataclass(frozen=True)
class FailedComparison:
    """A failed ``assert a == b`` as pytest's one-line tracebacks report it: where, and the two
    values (``a`` and ``b`` as pytest showed them, tolerance of ``pytest.approx`` removed)."""

    path: str
    line: int
    left: str
    right: str


def failed_comparisons(output: str) -> list[FailedComparison]:
    """Every ``path:line: assert a == b`` line of pytest's ``--tb=line`` output, once each."""
    found: dict[tuple[str, int], FailedComparison] = {}
    for match in _FAILED_COMPARISON.finditer(output):
        key = (match.group("path"), int(match.group("line")))
        right = _APPROX_TAIL.sub("", match.group("right").strip())
        found.setdefault(key, FailedComparison(key[0], key[1], match.group("left").strip(), right))
    return list(found.values())


#: ``path:line: SomeError: ...`` of ``--tb=line`` output: where an error was raised.
_RAISED_AT = re.compile(
    r"^(?P<path>[\w./\-]+\.py):(?P<line>\d+): (?!AssertionError\b)[A-Z]\w*:", re.M
)


def raised_at(output: str) -> list[tuple[str, int]]:
    """Where ``--tb=line`` output says errors other than failed asserts were raised, once each
    (``solution.py:15: TypeError: ...``): pytest names the line there but does not show it."""
    return list(
        dict.fromkeys((m.group("path"), int(m.group("line"))) for m in _RAISED_AT.finditer(output))
    )


_FAILED_TRUTH = re.compile(_FAILED_ASSERT + r"(?P<negated>not )?(?P<value>.+?)$", re.M)


def failed_truths(output: str) -> dict[tuple[str, int], str]:
    """``(path, line)`` → the value pytest showed, for every failed ``assert f(x)`` or
    ``assert not f(x)`` of ``--tb=line`` output (``assert not True``: ``f(x)`` gave ``True``).
    Only values shown as literals count; comparisons are :func:`failed_comparisons`."""
    found: dict[tuple[str, int], str] = {}
    for match in _FAILED_TRUTH.finditer(output):
        value = match.group("value").strip()
        try:
            ast.literal_eval(value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        found.setdefault((match.group("path"), int(match.group("line"))), value)
    return found


_NOT_RAISED = re.compile(
    r"^(?P<path>[\w./\-]+\.py):(?P<line>\d+): Failed: DID NOT RAISE (?P<exc>.+?)$", re.M
)


def missing_raises(output: str) -> list[tuple[str, int]]:
    """``(path, line)`` of every ``with pytest.raises(...)`` that pytest reports did not raise."""
    found: dict[tuple[str, int], None] = {}
    for match in _NOT_RAISED.finditer(output):
        found[(match.group("path"), int(match.group("line")))] = None
    return list(found)


_FAILED_BY_ERROR = re.compile(
    r"^FAILED (?P<path>[\w./\-]+\.py)::(?P<test>\w+) - (?P<error>[A-Z]\w*)", re.M
)
_NOT_ERRORS = ("Failed", "Assert")  # pytest.fail / assertions, names possibly cut


def errored_tests(output: str) -> list[tuple[str, str]]:
    """``(path, test)`` for every test that failed with an exception other than an assertion,
    from pytest's short summary (whose error names may be cut: ``ValueErr...``)."""
    found: dict[tuple[str, str], None] = {}
    for match in _FAILED_BY_ERROR.finditer(output):
        if not match.group("error").startswith(_NOT_ERRORS):
            found[(match.group("path"), match.group("test"))] = None
    return list(found)


def raised_in_traceback(output: str, path: str, test: str) -> tuple[int, str, str] | None:
    """The line of ``test`` in ``path`` that pytest's ``--tb=short`` traceback passes through,
    the name of the exception it ends with, and its message."""
    line = re.search(rf"^{re.escape(path)}:(\d+): in {re.escape(test)}$", output, re.M)
    error = re.search(
        r"^E\s+([A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt))\b:?\s*(.*)$",
        output,
        re.M,
    )
    if line is None or error is None:
        return None
    return int(line.group(1)), error.group(1).rsplit(".", 1)[-1], error.group(2).strip()[:200]

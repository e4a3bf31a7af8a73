"""Which subtasks depend on which, derived from what each one says.

A plan lists tasks in order, dependencies first, so every edge points from a later task to an
earlier one and the graph is acyclic by construction. Two tasks are linked when either mentions
the other: by number (``Task 2``), by a file of the other (``wordfreq/counter.py``,
``wordfreq.counter``), or by a name the other defines (a backticked or CamelCase name in its
title or objective, or the class its file is named after). Tasks that write the same file are
linked too, so they never run at the same time and the later one sees the earlier one's work.
Erring towards a link costs only concurrency; a missed link would cost correctness.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from autobyteus_coding_steps.parsing.paths import module_name
from autobyteus_core.workflow.subtask import Subtask

_TASK_REF = re.compile(r"\b(?:sub-?\s*)?tasks?\s*#?\s*(\d+(?:\s*(?:,|and|&|or)\s*#?\s*\d+)*)", re.I)
_CAMEL = re.compile(r"\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+\b")
_TICKED = re.compile(r"`([^`\n]+)`")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOO_COMMON = frozenset(
    {
        "self",
        "cls",
        "None",
        "True",
        "False",
        "str",
        "int",
        "float",
        "bool",
        "dict",
        "list",
        "set",
        "tuple",
        "bytes",
        "object",
        "type",
        "init",
        "main",
        "test",
        "tests",
        "name",
        "value",
        "data",
        "text",
        "file",
        "path",
        "result",
        "args",
        "kwargs",
        "pytest",
    }
)


def _text(task: Subtask) -> str:
    return "\n".join((task.title, task.objective, task.functionality, task.integration_points))


def _camel(stem: str) -> str:
    return "".join(part.capitalize() for part in stem.split("_") if part)


def _defined_names(task: Subtask) -> set[str]:
    """Names ``task`` introduces: from its title (or objective) and from its files."""
    names: set[str] = set()
    for source in (task.title, task.objective):
        ticked = [t.strip().rstrip("()").rsplit(".", 1)[-1] for t in _TICKED.findall(source)]
        found = {t for t in ticked if _IDENTIFIER.match(t)} | set(_CAMEL.findall(source))
        names |= {n for n in found if len(n) >= 3 and n not in _TOO_COMMON}
        if names:
            break
    for path in task.files:
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if stem.startswith("__") or stem in _TOO_COMMON:
            continue
        names.add(_camel(stem))
        if "_" in stem:
            names.add(stem)
    return names


def _file_mentions(task: Subtask) -> list[re.Pattern[str]]:
    """Patterns that find a mention of one of ``task``'s files in another task's text."""
    patterns: list[re.Pattern[str]] = []
    for path in task.files:
        base = path.rsplit("/", 1)[-1]
        patterns.append(re.compile(rf"(?<![\w/.]){re.escape(path)}\b"))
        if not base.startswith("__"):
            patterns.append(re.compile(rf"(?<![\w.]){re.escape(base)}\b"))
            module = module_name(path)
            if module and "." in module:
                patterns.append(re.compile(rf"(?<![\w.]){re.escape(module)}\b"))
            stem = base.rsplit(".", 1)[0]
            patterns.append(re.compile(rf"`{re.escape(stem)}`"))
    return patterns


def _mentions_number(text: str, number: int, number_map: Mapping[int, int]) -> bool:
    for match in _TASK_REF.finditer(text):
        for given in re.findall(r"\d+", match.group(1)):
            if number_map.get(int(given), int(given)) == number:
                return True
    return False


@dataclass(frozen=True)
class _Profile:
    """What one task says (its text) and what finds a mention of it in another task's text."""

    task: Subtask
    text: str
    refs: str
    mention: re.Pattern[str] | None


def _profile(task: Subtask) -> _Profile:
    alternatives = [rf"\b{re.escape(name)}\b" for name in sorted(_defined_names(task))]
    alternatives += [pattern.pattern for pattern in _file_mentions(task)]
    mention = re.compile("|".join(alternatives)) if alternatives else None
    refs = task.integration_points + "\n" + task.functionality
    return _Profile(task, _text(task), refs, mention)


def _linked(a: _Profile, b: _Profile, number_map: Mapping[int, int]) -> bool:
    """Whether either of two tasks refers to the other, or they share a file."""
    if set(a.task.files) & set(b.task.files):
        return True
    for one, other in ((a, b), (b, a)):
        if _mentions_number(one.refs, other.task.number, number_map):
            return True
        if other.mention is not None and other.mention.search(one.text):
            return True
    return False


def derive_dependencies(
    subtasks: Sequence[Subtask], number_map: Mapping[int, int] | None = None
) -> list[Subtask]:
    """Copies of ``subtasks`` with ``depends_on`` filled: each task depends on every earlier task
    it is linked to (see the module docstring). ``number_map`` translates the task numbers the
    model wrote into the numbers of ``subtasks`` when they differ."""
    mapping = dict(number_map or {})
    profiles = [_profile(task) for task in subtasks]
    result: list[Subtask] = []
    for index, task in enumerate(subtasks):
        linked = {
            earlier.task.number
            for earlier in profiles[:index]
            if _linked(profiles[index], earlier, mapping)
        }
        depends = sorted(linked | set(task.depends_on))
        result.append(task.model_copy(update={"depends_on": depends}))
    return result

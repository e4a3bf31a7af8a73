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

from autobyteus_coding_steps.outputs import Subtask
from autobyteus_coding_steps.parsing.paths import module_name

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


def _file_mentions(task: Subtask) -> list[tuple[str, str]]:
    """Patterns that find a mention of one of ``task``'s files in another task's text, each with
    the literal text any match of it contains."""
    patterns: list[tuple[str, str]] = []
    for path in task.files:
        base = path.rsplit("/", 1)[-1]
        patterns.append((path, rf"(?<![\w/.]){re.escape(path)}\b"))
        if not base.startswith("__"):
            patterns.append((base, rf"(?<![\w.]){re.escape(base)}\b"))
            module = module_name(path)
            if module and "." in module:
                patterns.append((module, rf"(?<![\w.]){re.escape(module)}\b"))
            stem = base.rsplit(".", 1)[0]
            patterns.append((f"`{stem}`", rf"`{re.escape(stem)}`"))
    return patterns


def _referenced_numbers(text: str, number_map: Mapping[int, int]) -> frozenset[int]:
    """The task numbers ``text`` refers to (``Task 2``, ``tasks 3 and 4``), translated by
    ``number_map``."""
    numbers: set[int] = set()
    for match in _TASK_REF.finditer(text):
        for given in re.findall(r"\d+", match.group(1)):
            numbers.add(number_map.get(int(given), int(given)))
    return frozenset(numbers)


@dataclass(frozen=True)
class _Profile:
    """What one task says (its text), the task numbers it refers to, and what finds a mention
    of it in another task's text: a pattern, and the literals one of which any match holds."""

    task: Subtask
    text: str
    numbers: frozenset[int]
    literals: tuple[str, ...]
    mention: re.Pattern[str] | None

    def mentioned_in(self, text: str) -> bool:
        """Whether ``text`` mentions this task (a substring test first: most pairs of tasks
        share none of each other's names, and the pattern is then not run)."""
        if self.mention is None or not any(literal in text for literal in self.literals):
            return False
        return self.mention.search(text) is not None


def _profile(task: Subtask, number_map: Mapping[int, int]) -> _Profile:
    names = sorted(_defined_names(task))
    files = _file_mentions(task)
    alternatives = [rf"\b{re.escape(name)}\b" for name in names]
    alternatives += [pattern for _, pattern in files]
    mention = re.compile("|".join(alternatives)) if alternatives else None
    literals = tuple(dict.fromkeys([*names, *(literal for literal, _ in files)]))
    refs = task.integration_points + "\n" + task.functionality
    return _Profile(task, _text(task), _referenced_numbers(refs, number_map), literals, mention)


def _linked(a: _Profile, b: _Profile) -> bool:
    """Whether either of two tasks refers to the other, or they share a file."""
    if set(a.task.files) & set(b.task.files):
        return True
    for one, other in ((a, b), (b, a)):
        if other.task.number in one.numbers or other.mentioned_in(one.text):
            return True
    return False


def derive_dependencies(
    subtasks: Sequence[Subtask], number_map: Mapping[int, int] | None = None
) -> list[Subtask]:
    """Copies of ``subtasks`` with ``depends_on`` filled: each task depends on every earlier task
    it is linked to (see the module docstring). ``number_map`` translates the task numbers the
    model wrote into the numbers of ``subtasks`` when they differ."""
    mapping = dict(number_map or {})
    profiles = [_profile(task, mapping) for task in subtasks]
    result: list[Subtask] = []
    for index, task in enumerate(subtasks):
        linked = {
            earlier.task.number for earlier in profiles[:index] if _linked(profiles[index], earlier)
        }
        depends = sorted(linked | set(task.depends_on))
        result.append(task.model_copy(update={"depends_on": depends}))
    return result

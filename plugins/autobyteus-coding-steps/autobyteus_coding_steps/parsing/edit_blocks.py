"""Search/replace edit blocks: reading them from a reply, and applying them to a file's text.

The form (markers of 5 to 9 characters; the path line is optional, the fence too)::

    `pkg/module.py`
    <<<<<<< SEARCH
    the lines of the file as they are now
    =======
    the lines that replace them
    >>>>>>> REPLACE

Each block's SEARCH part is located in the file by a ladder: the exact lines, then the same
lines compared without regard to whitespace (the replacement re-indented to the file's
indentation), then the one window of lines whose similarity (``difflib``) reaches a threshold.
Every block is located in the file as given, before any is applied; a block found nowhere, in
two places, or overlapping another is not applied, and the issue says which blocks were.
"""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass

from autobyteus_coding_steps.parsing.code_blocks import find_code_blocks, hint_before
from autobyteus_coding_steps.parsing.paths import normalise_path, path_problem, same_file
from autobyteus_coding_steps.parsing.python_source import elision_issue, python_syntax_issue
from autobyteus_coding_steps.parsing.report import ParseIssue, ParseResult
from autobyteus_coding_steps.parsing.text import (
    DEFAULT_MAX_REPLY_CHARS,
    empty_reply_issue,
    excerpt,
    normalise_newlines,
    reply_size_issue,
)

SEARCH_MARKER = re.compile(r"^\s*<{5,9} ?SEARCH\s*$", re.IGNORECASE)
_DIVIDER = re.compile(r"^\s*={5,9}\s*$")
_REPLACE_MARKER = re.compile(r"^\s*>{5,9} ?REPLACE\s*$", re.IGNORECASE)
#: The similarity a close match needs by default (``difflib.SequenceMatcher.ratio``).
DEFAULT_SIMILARITY = 0.9


@dataclass(frozen=True)
class EditBlock:
    """One search/replace block: ``line`` is where its SEARCH marker is in the reply (1-based)."""

    search: str
    replace: str
    line: int
    path_hint: str | None = None


@dataclass(frozen=True)
class EditedFile:
    """``content``: the file's text with the blocks numbered in ``applied`` (1-based) applied;
    ``matches`` says how each of them was located."""

    path: str
    content: str
    applied: tuple[int, ...]
    matches: tuple[str, ...]


def has_edit_blocks(reply: str) -> bool:
    """Whether ``reply`` holds at least one SEARCH marker line."""
    return any(SEARCH_MARKER.match(line) for line in normalise_newlines(reply).split("\n"))


def _path_hints(lines: list[str]) -> dict[int, str]:
    """The path each fenced block of ``lines`` is labelled with, by line index inside it."""
    hints: dict[int, str] = {}
    for block in find_code_blocks("\n".join(lines)):
        if block.path_hint is not None:
            end = block.end_line or len(lines)
            hints.update(dict.fromkeys(range(block.start_line, end), block.path_hint))
    return hints


def parse_edit_blocks(
    reply: str, *, max_chars: int = DEFAULT_MAX_REPLY_CHARS
) -> ParseResult[list[EditBlock]]:
    """Every edit block of ``reply`` in order, each with the path written before it (or on its
    code fence), if any. A block left unclosed, or a REPLACE marker with no block open, is
    fatal; a reply without any block is fatal too. Never raises."""
    problem = reply_size_issue(reply, max_chars) or empty_reply_issue(reply)
    if problem is not None:
        return ParseResult(None, [problem])
    lines = normalise_newlines(reply).split("\n")
    hints = _path_hints(lines)
    blocks: list[EditBlock] = []
    issues: list[ParseIssue] = []
    opened: int | None = None  # index of the open block's SEARCH marker
    divider: int | None = None
    for index, line in enumerate(lines):
        if SEARCH_MARKER.match(line):
            if opened is not None:
                expected = "`>>>>>>> REPLACE`" if divider is not None else "`=======`"
                issues.append(
                    ParseIssue(
                        f"the edit block opened at line {opened + 1} has a new `<<<<<<< SEARCH` "
                        f"before its {expected} line",
                        line=index + 1,
                    )
                )
            opened, divider = index, None
        elif opened is not None and divider is None and _DIVIDER.match(line):
            divider = index
        elif _REPLACE_MARKER.match(line):
            if opened is None or divider is None:
                issues.append(
                    ParseIssue(
                        "a `>>>>>>> REPLACE` line with no `<<<<<<< SEARCH` and `=======` before it",
                        line=index + 1,
                    )
                )
            else:
                hint = hint_before(lines, opened) or hints.get(opened)
                blocks.append(
                    EditBlock(
                        search="\n".join(lines[opened + 1 : divider]),
                        replace="\n".join(lines[divider + 1 : index]),
                        line=opened + 1,
                        path_hint=hint,
                    )
                )
            opened, divider = None, None
    if opened is not None:
        missing = "`>>>>>>> REPLACE`" if divider is not None else "`=======` and `>>>>>>> REPLACE`"
        issues.append(
            ParseIssue(
                f"the edit block opened at line {opened + 1} has no {missing} line; the reply "
                "was probably cut off",
                line=opened + 1,
            )
        )
    if not blocks and not issues:
        issues.append(
            ParseIssue(
                "the reply has no edit block (`<<<<<<< SEARCH`, the lines to find, `=======`, "
                "the lines replacing them, `>>>>>>> REPLACE`)",
                excerpt=excerpt(reply, 100),
            )
        )
    return ParseResult(blocks or None, issues)


# -- locating a block ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    how: str
    replacement: list[str]


def _trimmed(text: str) -> list[str]:
    """The lines of ``text`` without blank lines at either end."""
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _squeezed(line: str) -> str:
    return " ".join(line.split())


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _reindented(replacement: list[str], search: list[str], found: list[str]) -> list[str]:
    """``replacement`` with each line's indentation turned into the file's, as the file's lines
    matched by ``search`` show it (the model quoted the code less, more, or differently
    indented); an indentation not seen in ``search`` keeps its longest known prefix mapped."""
    mapping: dict[str, str] = {}
    for wrote, actual in zip(search, found, strict=False):
        if wrote.strip() and actual.strip():
            mapping.setdefault(_indent(wrote), _indent(actual))
    if all(key == value for key, value in mapping.items()):
        return replacement
    moved: list[str] = []
    for line in replacement:
        indent = _indent(line)
        known = max((key for key in mapping if indent.startswith(key)), key=len, default=None)
        if not line.strip() or known is None:
            moved.append(line)
        else:
            moved.append(mapping[known] + line[len(known) :])
    return moved


def _places(starts: list[int], size: int) -> str:
    return ", ".join(f"{start + 1}-{start + size}" for start in starts)


def _windows(
    file_lines: list[str], search: list[str], similarity: float
) -> tuple[list[tuple[float, int, int]], tuple[float, int, int]]:
    """The windows of the file (``(similarity, start, end)``, sizes one line either side of the
    search's) at least ``similarity`` alike to ``search``, and the most alike window overall."""
    wanted = "\n".join(_squeezed(line) for line in search)
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(wanted)
    squeezed = [_squeezed(line) for line in file_lines]
    close: list[tuple[float, int, int]] = []
    best = (0.0, 0, 0)
    for size in sorted({max(1, len(search) + delta) for delta in (-1, 0, 1)}):
        for start in range(len(file_lines) - size + 1):
            matcher.set_seq1("\n".join(squeezed[start : start + size]))
            # quick_ratio bounds ratio from above: skip what can be neither close nor best
            bound = min(matcher.real_quick_ratio(), matcher.quick_ratio())
            if bound < similarity and bound <= best[0]:
                continue
            ratio = matcher.ratio()
            best = max(best, (ratio, start, start + size))
            if ratio >= similarity:
                close.append((ratio, start, start + size))
    return close, best


def _locate(
    file_lines: list[str], search: list[str], similarity: float
) -> _Found | tuple[str, str]:
    """Where ``search`` is in ``file_lines`` (the ladder of the module docstring), or why not
    (what went wrong, and what may help the model)."""
    size = len(search)
    span = range(len(file_lines) - size + 1)
    exact = [i for i in span if file_lines[i : i + size] == search]
    how = "exactly"
    if not exact:
        key = [_squeezed(line) for line in search]
        exact = [i for i in span if [_squeezed(x) for x in file_lines[i : i + size]] == key]
        how = "ignoring whitespace"
    if len(exact) > 1:
        return (
            f"matches {len(exact)} places ({how}: lines {_places(exact, size)})",
            "Quote more lines around the change so that it matches one place only.",
        )
    if exact:
        return _Found(exact[0], exact[0] + size, how, [])
    close, best = _windows(file_lines, search, similarity)
    if not close:
        if best[0] <= 0:
            return "did not match", "No line of the file is like its SEARCH part."
        shown = "\n".join(file_lines[best[1] : best[2]])
        return (
            "did not match",
            f"The most similar lines of the file, {best[1] + 1}-{best[2]} (similarity "
            f"{best[0]:.2f}), are:\n{shown}",
        )
    ratio, start, end = max(close)
    elsewhere = [c for c in close if c[2] <= start or c[1] >= end]
    if elsewhere:
        return (
            f"did not match exactly and is close to several places (lines {start + 1}-{end} "
            f"and {elsewhere[0][1] + 1}-{elsewhere[0][2]})",
            "Quote the lines exactly as they are in the file.",
        )
    return _Found(start, end, f"as a close match (similarity {ratio:.2f})", [])


# -- applying blocks -----------------------------------------------------------------------------


def _place(block: EditBlock, file_lines: list[str], similarity: float) -> _Found | tuple[str, str]:
    """Where ``block`` applies in ``file_lines`` and the lines replacing them there, or why it
    does not apply (what went wrong, and what may help the model)."""
    search = _trimmed(block.search)
    replacement = _trimmed(block.replace)
    if not search:
        if any(line.strip() for line in file_lines):
            return "has an empty SEARCH part", "Quote the lines to replace."
        return _Found(0, len(file_lines), "into the empty file", replacement)
    elided = elision_issue("the file", "\n".join(replacement))
    if elided is not None and elided.excerpt not in block.search:
        return (
            f"leaves lines out (`{elided.excerpt}`) instead of writing them",
            "Write every line the REPLACE part keeps; a comment standing for code erases it.",
        )
    done = _applied_at(file_lines, search, replacement)
    if done is not None:  # an earlier attempt applied it already (the re-ask repeats it)
        return _Found(done, done + len(replacement), "already applied", replacement)
    where = _locate(file_lines, search, similarity)
    if isinstance(where, _Found):
        moved = _reindented(replacement, search, file_lines[where.start : where.end])
        return _Found(where.start, where.end, where.how, moved)
    return where


def _applied_at(file_lines: list[str], search: list[str], replacement: list[str]) -> int | None:
    """Where the file already holds ``replacement`` once, with every exact occurrence of
    ``search`` inside it (a block applied by an earlier attempt); None when it does not."""
    if not replacement or replacement == search:
        return None
    size = len(replacement)
    held = [i for i in range(len(file_lines)) if file_lines[i : i + size] == replacement]
    if len(held) != 1:
        return None
    start = held[0]
    found = [i for i in range(len(file_lines)) if file_lines[i : i + len(search)] == search]
    if all(start <= i and i + len(search) <= start + size for i in found):
        return start
    return None


def _overlaps(found: dict[int, _Found]) -> dict[int, tuple[str, str]]:
    """The blocks of ``found`` whose places overlap another's, each with why."""
    failures: dict[int, tuple[str, str]] = {}
    ordered = sorted(found.items(), key=lambda item: (item[1].start, item[1].end))
    for (first, a), (second, b) in itertools.pairwise(ordered):
        if b.start < a.end or a.start == a.end == b.start:
            for number, other in ((first, second), (second, first)):
                failures[number] = (
                    f"overlaps block {other} (lines {a.start + 1}-{a.end} and "
                    f"{b.start + 1}-{b.end} of the file)",
                    "Merge the two into one block.",
                )
    return failures


def _which(numbers: list[int]) -> str:
    if not numbers:
        return "no block was applied"
    if len(numbers) == 1:
        return f"block {numbers[0]} was applied"
    listed = ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"
    return f"blocks {listed} were applied"


def _path_issue(path: str, block: EditBlock, number: int, total: int) -> ParseIssue | None:
    hint = block.path_hint
    if hint is None or same_file(hint, path):
        return None
    unsafe = path_problem(hint)
    reason = unsafe if unsafe is not None else f"this reply may edit only `{path}`"
    return ParseIssue(
        f"block {number} of {total} is for `{normalise_path(hint)}`: {reason}",
        excerpt=hint,
        line=block.line,
    )


def apply_edit_blocks(
    path: str, text: str, blocks: list[EditBlock], *, similarity: float = DEFAULT_SIMILARITY
) -> ParseResult[EditedFile]:
    """``text`` (the file ``path``) with ``blocks`` applied, as far as they apply.

    A block labelled with another path — or with one that must never be written, such as one
    inside ``.git/`` — makes the whole reply unusable and nothing is applied. Otherwise the
    value holds the blocks that could be applied, and every block that could not is a fatal
    issue saying why and which blocks were applied. A Python file must still parse afterwards,
    else nothing is applied. CRLF files stay CRLF; the final newline (or its absence) is kept.
    """
    total = len(blocks)
    wrong_file = [
        issue
        for number, block in enumerate(blocks, start=1)
        if (issue := _path_issue(path, block, number, total)) is not None
    ]
    if wrong_file or not blocks:
        return ParseResult(None, wrong_file or [ParseIssue("there is no edit block to apply")])
    crlf = text.count("\r\n") * 2 > text.count("\n")
    plain = normalise_newlines(text)
    ends_with_newline = plain.endswith("\n")
    file_lines = plain.split("\n")[:-1] if ends_with_newline else plain.split("\n")
    if file_lines == [""]:
        file_lines = []
    found: dict[int, _Found] = {}
    failures: dict[int, tuple[str, str]] = {}
    for number, block in enumerate(blocks, start=1):
        place = _place(block, file_lines, similarity)
        if isinstance(place, _Found):
            found[number] = place
        else:
            failures[number] = place
    failures.update(_overlaps(found))
    for number in failures:
        found.pop(number, None)
    edited = list(file_lines)
    for _, where in sorted(found.items(), key=lambda item: item[1].start, reverse=True):
        edited[where.start : where.end] = where.replacement
    content = "\n".join(edited) + ("\n" if ends_with_newline and edited else "")
    applied = sorted(found)
    issues: list[ParseIssue] = []
    if path.endswith(".py") and applied:
        syntax = python_syntax_issue(path, content)
        if syntax is not None:
            message = f"after the edits, {syntax.message}; no block was applied"
            return ParseResult(None, [ParseIssue(message, syntax.excerpt, syntax.line)])
    for number in sorted(failures):
        what, hint = failures[number]
        issues.append(
            ParseIssue(
                f"block {number} of {total} {what}; {_which(applied)}. {hint}",
                excerpt=excerpt(blocks[number - 1].search, 160),
                line=blocks[number - 1].line,
            )
        )
    if not failures and content == plain:
        issues.append(ParseIssue("the edit blocks change nothing", fatal=False))
    if crlf:
        content = content.replace("\n", "\r\n")
    matches = tuple(f"block {number} {found[number].how}" for number in applied)
    return ParseResult(EditedFile(path, content, tuple(applied), matches), issues)


def parse_edit_reply(
    reply: str,
    path: str,
    text: str,
    *,
    max_chars: int = DEFAULT_MAX_REPLY_CHARS,
    similarity: float = DEFAULT_SIMILARITY,
) -> ParseResult[EditedFile]:
    """The file ``path`` (now ``text``) edited by the blocks of ``reply``: nothing is applied
    when the reply's blocks are malformed (see :func:`parse_edit_blocks`)."""
    parsed = parse_edit_blocks(reply, max_chars=max_chars)
    if not parsed.ok or parsed.value is None:
        return ParseResult(None, parsed.issues)
    result = apply_edit_blocks(path, text, parsed.value, similarity=similarity)
    result.issues[:0] = parsed.notes
    return result

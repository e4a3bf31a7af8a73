"""Parsing an architecture-design reply into ordered subtasks.

Accepted forms, mixed freely: ``#task start#`` / ``#task end#`` blocks (the seed's format, the
tokens in any case and spacing), headings such as ``#### Task 1: Title``, ``**Task 1 - Title**``
or ``Task 1. Title``, no heading at all (the tokens alone), or headings without tokens; field
names bold or plain, with any list marker (``- **Objective**:``, ``Objective:``); CRLF; prose
before, between and after the tasks. Without headings or tokens, each ``Objective:`` line starts
a task. Tasks are numbered 1..n in the order they appear; dependencies come from
:func:`~autobyteus_coding_steps.parsing.dependencies.derive_dependencies`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from autobyteus_coding_steps.outputs import Subtask
from autobyteus_coding_steps.parsing.dependencies import derive_dependencies
from autobyteus_coding_steps.parsing.paths import (
    clean_path_token,
    looks_like_path,
    normalise_path,
    path_problem,
)
from autobyteus_coding_steps.parsing.report import ParseIssue, ParseResult
from autobyteus_coding_steps.parsing.text import (
    DEFAULT_MAX_REPLY_CHARS,
    empty_reply_issue,
    excerpt,
    normalise_newlines,
    reply_size_issue,
)

_TOKEN = re.compile(r"#\s*task[\s_-]*(start|end)\s*#", re.IGNORECASE)
_JUNK = "*_`> \t"
_TOKEN_LINE = re.compile(r"^[\s*_`>]*#task (start|end)#[\s*_`]*$")
_HEADING = re.compile(
    r"^ {0,3}(?P<hashes>#{1,6}\s*)?(?P<bold>\*\*|__)?\s*(?:sub-?\s*task|task)\s*#?\s*"
    r"(?P<num>\d{1,4})\b\s*(?:\*\*|__)?\s*(?P<sep>[:.)\-\u2013\u2014])?\s*(?P<title>.*)$",
    re.IGNORECASE,
)
_FIELD = re.compile(
    r"^\s*(?:[-*+•]\s+|\d+[.)]\s+)?(?:\*\*|__|\*|_)?\s*(?P<name>[A-Za-z][A-Za-z ()/_-]{0,40}?)"
    r"\s*(?:\*\*|__|\*|_)?\s*[:\uff1a]\s*(?:\*\*|__|\*|_)?\s*(?P<value>.*)$"
)

FIELD_NAMES: dict[str, str] = {
    **dict.fromkeys(
        ("objective", "clear objective", "goal", "purpose", "aim", "task objective"), "objective"
    ),
    **dict.fromkeys(
        (
            "file specification",
            "file specifications",
            "file",
            "files",
            "file path",
            "file paths",
            "file(s)",
            "path",
            "paths",
            "location",
            "file name",
            "filename",
            "file location",
            "target file",
            "module",
        ),
        "files",
    ),
    **dict.fromkeys(
        (
            "functionality details",
            "functionality detail",
            "functionality",
            "details",
            "description",
            "behavior",
            "behaviour",
            "implementation details",
            "implementation",
        ),
        "functionality",
    ),
    **dict.fromkeys(
        (
            "integration points",
            "integration point",
            "integration",
            "dependencies",
            "dependency",
            "depends on",
            "interactions",
            "interfaces",
        ),
        "integration_points",
    ),
}


#: More subtasks than this is not a plan but a flood (each costs an LLM call); refusing it also
#: bounds the pairwise dependency check.
MAX_SUBTASKS = 200

#: A run of white space (newlines aside); every line is read with its runs squeezed to one space,
#: so that no pattern with adjacent optional white space can backtrack over a long run (a line
#: of 20,000 spaces took minutes).
_SPACE_RUN = re.compile(r"[^\S\n]{2,}")

_INLINE_FIELD = re.compile(
    r"(?:(?<=[.;|])\s+|\s+[-\u2013\u2014|]\s+|\s+(?=\*\*|__))(?=(?:\*\*|__)?(?:objective|file specifications?|"
    r"functionality details|integration points)(?:\*\*|__)?\s*[:\uff1a])",
    re.IGNORECASE,
)


@dataclass
class _Segment:
    """The lines of one task as found in the reply, before its fields are read."""

    given_number: int | None = None
    heading_title: str = ""
    lines: list[str] = field(default_factory=list)
    had_start: bool = False
    had_end: bool = False

    def has_content(self) -> bool:
        return any(line.strip() for line in self.lines)


def _split_tokens(line: str) -> str:
    """``line`` with a task token at its start or end put on a line of its own (a token in the
    middle of a sentence is prose that talks about the format, not a marker). Tokens at the
    start are peeled off one after the other, in one pass over the line."""
    parts: list[str] = []
    pos = 0
    while (match := _TOKEN.search(line, pos)) is not None:
        before = line[pos : match.start()]
        token = f"#task {match.group(1).lower()}#"
        if not before.strip(_JUNK):
            parts.append(token)
            pos = match.end()
            while pos < len(line) and line[pos] in _JUNK:
                pos += 1
            continue
        if not line[match.end() :].strip(_JUNK):
            parts += [before.rstrip(_JUNK), token]
            return "\n".join(parts)
        break
    rest = line[pos:].rstrip(_JUNK) if parts else line
    return "\n".join([*parts, rest] if rest else parts)


def _heading(line: str) -> tuple[int, str] | None:
    """``(number, title)`` when ``line`` is a task heading."""
    match = _HEADING.match(line)
    if match is None:
        return None
    title = match.group("title").strip().strip("*_").strip()
    if not (match.group("hashes") or match.group("bold") or match.group("sep") or not title):
        return None  # "Task 3 depends on ..." is prose, not a heading
    if _FIELD.match(title) and _field_name(title) is not None:
        return None
    return int(match.group("num")), title


def _field_name(line: str) -> str | None:
    match = _FIELD.match(line)
    if match is None:
        return None
    return FIELD_NAMES.get(" ".join(match.group("name").lower().split()))


def _segments(lines: list[str], issues: list[ParseIssue]) -> list[_Segment]:
    segments: list[_Segment] = []
    current: _Segment | None = None

    def close() -> None:
        nonlocal current
        if current is not None and (current.has_content() or current.heading_title):
            if current.had_start and not current.had_end:
                issues.append(
                    ParseIssue(
                        "a task has `#task start#` but no `#task end#`; it was read up to the "
                        "next task",
                        excerpt=excerpt(current.heading_title or "\n".join(current.lines), 60),
                        fatal=False,
                    )
                )
            segments.append(current)
        current = None

    for line in lines:
        token = _TOKEN_LINE.match(line)
        heading = None if token else _heading(line)
        if token and token.group(1) == "start":
            if current is not None and not current.had_start and not current.has_content():
                current.had_start = True
            else:
                close()
                current = _Segment(had_start=True)
        elif token:
            if current is None:
                issues.append(ParseIssue("ignored a `#task end#` with no task open", fatal=False))
            else:
                current.had_end = True
                close()
        elif heading is not None:
            close()
            current = _Segment(given_number=heading[0], heading_title=heading[1])
        elif current is not None:
            current.lines.append(line)
    close()
    if segments:
        return segments
    # No headings and no tokens: every "Objective:" line starts a task.
    for line in lines:
        if _field_name(line) == "objective":
            close()
            current = _Segment()
        if current is not None:
            current.lines.append(line)
    close()
    return segments


def _split_inline_fields(line: str) -> list[str]:
    """A field line holding further fields (``Objective: x. File Specification: y``) split in
    one line per field."""
    if _field_name(line) is None:
        return [line]
    parts: list[str] = []
    start = 0
    for match in _INLINE_FIELD.finditer(line):
        if not line[start : match.start()].strip(" \t-*+\u2022"):
            continue  # the list marker of the line's own field
        parts.append(line[start : match.start()])
        start = match.end()
    parts.append(line[start:])
    return parts


def _fields(segment: _Segment) -> tuple[dict[str, str], str, str]:
    """The task's fields and the text that belongs to no field: the part before the last
    field, and the part after it (in the last task, when no ``#task end#`` closes it, that is
    prose after the plan)."""
    values: dict[str, list[str]] = {}
    extra: list[str] = []
    after_last_field = 0  # how many lines of ``extra`` came before the last field
    current: str | None = None
    blank_before = False
    lines = [part for line in segment.lines for part in _split_inline_fields(line)]
    for line in lines:
        name = _field_name(line)
        if name is not None:
            match = _FIELD.match(line)
            assert match is not None
            current = name
            values.setdefault(name, []).append(match.group("value").strip())
            blank_before = False
            after_last_field = len(extra)
            continue
        if not line.strip():
            blank_before = True
            continue
        indented = line.startswith((" ", "\t"))
        if current is not None and (not blank_before or indented):
            values[current].append(line.strip())
        else:
            current = None
            extra.append(line.strip())
        blank_before = False
    joined = {
        name: "\n".join(part for part in parts if part).strip() for name, parts in values.items()
    }
    inner, trailing = extra[:after_last_field], extra[after_last_field:]
    return joined, "\n".join(inner).strip(), "\n".join(trailing).strip()


def _paths(text: str) -> list[str]:
    """Path tokens of a file-specification text: backticked ones, else any path-like word."""
    ticked = re.findall(r"`([^`\n]+)`", text)
    candidates = ticked if ticked else re.split(r"[\s,;]+", text)
    found: dict[str, None] = {}
    for raw in candidates:
        token = clean_path_token(raw)
        if looks_like_path(token):
            found.setdefault(token)
    return list(found)


def _title(segment: _Segment, fields: dict[str, str]) -> str:
    if segment.heading_title:
        return segment.heading_title
    objective = fields.get("objective", "").split("\n", 1)[0]
    return excerpt(re.split(r"(?<=[.!?])\s", objective, maxsplit=1)[0], 80)


def parse_subtasks(
    reply: str, *, max_chars: int = DEFAULT_MAX_REPLY_CHARS
) -> ParseResult[list[Subtask]]:
    """The ordered subtasks of an architecture-design reply (see the module docstring).

    Fatal issues: an empty or oversized reply, no task at all, a task naming an unsafe path
    (absolute, ``..``, a control folder, a directory). Notes: a task without a file, text of a
    task outside its fields (kept in its Functionality Details), renumbered tasks, an unclosed
    ``#task start#``, a block read as free text.
    """
    problem = reply_size_issue(reply, max_chars) or empty_reply_issue(reply)
    if problem is not None:
        return ParseResult(None, [problem])
    lines = normalise_newlines(reply).split("\n")
    text = "\n".join(_split_tokens(_SPACE_RUN.sub(" ", line)) for line in lines)
    issues: list[ParseIssue] = []
    segments = _segments(text.split("\n"), issues)
    if len(segments) > MAX_SUBTASKS:
        return ParseResult(
            None,
            [
                ParseIssue(
                    f"the plan has {len(segments)} tasks; a plan has at most {MAX_SUBTASKS}: "
                    "merge small tasks into larger ones"
                )
            ],
        )
    if not segments:
        issues.append(
            ParseIssue(
                "no tasks found: write each task as `#### Task N: <title>` followed by "
                "`#task start#`, the fields (Objective, File Specification, Functionality "
                "Details, Integration Points) and `#task end#`",
                excerpt=excerpt(text, 100),
            )
        )
        return ParseResult(None, issues)
    subtasks: list[Subtask] = []
    number_map: dict[int, int] = {}
    for index, segment in enumerate(segments, start=1):
        fields, inner, trailing = _fields(segment)
        extra = f"{inner}\n{trailing}".strip()
        if fields and trailing and not segment.had_end and index == len(segments):
            extra = inner
            issues.append(
                ParseIssue(
                    f"task {index}: the text after its last field was read as prose after the "
                    "plan and left out",
                    excerpt=excerpt(trailing, 60),
                    fatal=False,
                )
            )
        if not fields:
            issues.append(
                ParseIssue(
                    f"task {index} has no field names; its text was read as the objective",
                    excerpt=excerpt(extra, 60),
                    fatal=False,
                )
            )
            fields = {"objective": extra}
        elif extra:
            functionality = fields.get("functionality", "")
            fields["functionality"] = f"{functionality}\n{extra}".strip()
            issues.append(
                ParseIssue(
                    f"task {index} has text outside its fields; it was added to its "
                    "Functionality Details",
                    excerpt=excerpt(extra, 60),
                    fatal=False,
                )
            )
        files = _paths(fields.get("files", ""))
        if "files" not in fields:
            ticked = " ".join(re.findall(r"`[^`\n]+`", fields.get("objective", "")))
            files = _paths(segment.heading_title) or _paths(ticked)
        for path in files:
            unsafe = path_problem(path)
            if unsafe is not None:
                issues.append(ParseIssue(f"task {index}: {unsafe}", excerpt=path))
        files = [normalise_path(path) for path in files if path_problem(path) is None]
        if not files:
            issues.append(
                ParseIssue(
                    f"task {index} names no file path",
                    excerpt=excerpt(fields.get("files", "") or segment.heading_title, 60),
                    fatal=False,
                )
            )
        if segment.given_number is not None:
            number_map.setdefault(segment.given_number, index)
        raw = "\n".join(segment.lines).strip()
        subtasks.append(
            Subtask(
                number=index,
                title=_title(segment, fields),
                objective=fields.get("objective", ""),
                files=files,
                functionality=fields.get("functionality", ""),
                integration_points=fields.get("integration_points", ""),
                raw=raw if not segment.heading_title else f"{segment.heading_title}\n{raw}",
            )
        )
    given = [segment.given_number for segment in segments if segment.given_number is not None]
    if given and given != list(range(1, len(given) + 1)):
        issues.append(
            ParseIssue(
                f"tasks were numbered {given}; they are renumbered 1..{len(subtasks)} in order",
                fatal=False,
            )
        )
    if len(set(given)) != len(given):
        number_map = {}
    return ParseResult(derive_dependencies(subtasks, number_map), issues)

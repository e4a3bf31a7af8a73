"""Reading file contents out of a reply: one expected file, or files the reply names itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from autobyteus_coding_steps.parsing.code_blocks import (
    MARKDOWN_LANGUAGES,
    MARKDOWN_SUFFIXES,
    CodeBlock,
    find_code_blocks,
    longer_readings,
)
from autobyteus_coding_steps.parsing.paths import (
    clean_path_token,
    looks_like_path,
    normalise_path,
    path_problem,
    same_file,
)
from autobyteus_coding_steps.parsing.python_source import (
    elision_issue,
    looks_like_python_module,
    python_syntax_issue,
)
from autobyteus_coding_steps.parsing.report import ParseIssue, ParseResult
from autobyteus_coding_steps.parsing.text import (
    DEFAULT_MAX_REPLY_CHARS,
    empty_reply_issue,
    excerpt,
    normalise_newlines,
    reply_size_issue,
)

_PYTHON_LANGUAGES = frozenset({"python", "py", "python3", "py3", "pycon", "ipython"})


@dataclass(frozen=True)
class FileReply:
    """The content to write to ``path`` (always ending with one newline)."""

    path: str
    content: str


#: Cuts the content of a block that was never closed back to what the reply wrote whole, with
#: a note saying what was dropped; None when nothing whole is left.
TrimCut = Callable[[str], "tuple[str, ParseIssue] | None"]


def _tidy(content: str) -> str:
    lines = content.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines).rstrip() + "\n"


def _only_names_a_path(block: CodeBlock) -> bool:
    text = block.content.strip()
    return "\n" not in text and looks_like_path(clean_path_token(text))


def _validate(path: str, content: str, block: CodeBlock | None) -> list[ParseIssue]:
    issues: list[ParseIssue] = []
    if path.endswith(".py"):
        syntax = python_syntax_issue(path, content)
        if syntax is not None:
            if block is not None and not block.terminated:
                syntax = ParseIssue(
                    f"{syntax.message}; the code block opened at line {block.start_line} is "
                    "never closed, so the reply was probably cut off",
                    excerpt=syntax.excerpt,
                    line=syntax.line,
                )
            issues.append(syntax)
    elision = elision_issue(path, content)
    if elision is not None:
        issues.append(elision)
    return issues


def _precheck(reply: str, max_chars: int) -> ParseIssue | None:
    return reply_size_issue(reply, max_chars) or empty_reply_issue(reply)


def _language_fits(path: str, block: CodeBlock) -> bool:
    if block.language is None:
        return True
    if path.endswith(".py"):
        return block.language in _PYTHON_LANGUAGES
    if path.lower().endswith(MARKDOWN_SUFFIXES):
        return block.language in MARKDOWN_LANGUAGES
    return True


def parse_file_reply(
    reply: str,
    path: str,
    *,
    max_chars: int = DEFAULT_MAX_REPLY_CHARS,
    trim_cut: TrimCut | None = None,
) -> ParseResult[FileReply]:
    """The whole content of the file ``path`` from a reply asked to hold exactly that file.

    The path comes from the caller (the plan), never from the reply. Blocks labelled with another
    file are ignored (with a note); if several blocks remain, the one labelled with ``path`` wins,
    else the longest; two different blocks both labelled ``path`` are ambiguous (fatal). A reply
    without any fence is taken whole only when it is unmistakably Python source. Python content
    must parse, and no content may elide part of the file (``# ... rest unchanged``). With
    ``trim_cut``, a block never closed (the reply was cut off) is first cut back by it.
    """
    problem = _precheck(reply, max_chars)
    if problem is not None:
        return ParseResult(None, [problem])
    text = normalise_newlines(reply)
    blocks = find_code_blocks(text, greedy_markdown=path.lower().endswith(MARKDOWN_SUFFIXES))
    issues: list[ParseIssue] = []
    if not blocks:
        if path.endswith(".py") and looks_like_python_module(text):
            issues.append(
                ParseIssue(
                    "the reply has no code fence; its whole text was taken as the file",
                    fatal=False,
                )
            )
            content = _tidy(text)
            issues += _validate(path, content, None)
            return ParseResult(FileReply(path, content), issues)
        return ParseResult(
            None,
            [
                ParseIssue(
                    f"the reply has no fenced code block; put the whole content of `{path}` in "
                    "one ``` block",
                    excerpt=excerpt(text, 100),
                )
            ],
        )
    usable: list[CodeBlock] = []
    elsewhere: list[CodeBlock] = []
    for block in blocks:
        if block.is_blank() or _only_names_a_path(block):
            what = "an empty block" if block.is_blank() else "a block that only names a path"
            issues.append(
                ParseIssue(
                    f"ignored {what}",
                    excerpt=excerpt(block.content, 80),
                    line=block.start_line,
                    fatal=False,
                )
            )
        elif block.path_hint and not same_file(block.path_hint, path):
            elsewhere.append(block)
        else:
            usable.append(block)
    if not usable and len(elsewhere) == 1:
        block = elsewhere[0]
        issues.append(
            ParseIssue(
                f"the only block is labelled `{block.path_hint}`; it was taken as `{path}`",
                line=block.start_line,
                fatal=False,
            )
        )
        usable, elsewhere = elsewhere, []
    for block in elsewhere:
        issues.append(
            ParseIssue(
                f"ignored the block for `{block.path_hint}`: this reply should hold only `{path}`",
                line=block.start_line,
                fatal=False,
            )
        )
    if not usable:
        issues.append(
            ParseIssue(
                f"the reply has no code block with the content of `{path}`; reply with the whole "
                f"content of `{path}` in one ``` block"
            )
        )
        return ParseResult(None, issues)
    fitting = [block for block in usable if _language_fits(path, block)] or usable
    labelled = [block for block in fitting if block.path_hint]
    candidates = labelled or fitting
    distinct = {block.content.strip() for block in candidates}
    if labelled and len(distinct) > 1:
        lines = ", ".join(str(block.start_line) for block in labelled)
        issues.append(
            ParseIssue(
                f"the reply has {len(labelled)} different blocks for `{path}` (lines {lines}); "
                "reply with exactly one block holding the whole file"
            )
        )
        return ParseResult(None, issues)
    chosen = max(candidates, key=lambda block: len(block.content.strip()))
    if path.endswith(".py") and python_syntax_issue(path, _tidy(chosen.content)) is not None:
        reading = _parsing_reading(text, path, sorted(candidates, key=lambda b: b.start_line))
        if reading is not None:
            first, chosen = reading
            issues.append(
                ParseIssue(
                    f"the block at line {chosen.start_line} was read up to the fence at line "
                    f"{chosen.end_line}: the fence at line {first.end_line} is inside the code "
                    "(an example in a docstring), which does not parse without what follows it",
                    fatal=False,
                )
            )
    inside = range(chosen.start_line, (chosen.end_line or chosen.start_line) + 1)
    others = [block for block in usable if block.start_line not in inside]
    if others:
        same = all(block.content.strip() == chosen.content.strip() for block in others)
        kind = "identical copies" if same else "other blocks"
        issues.append(
            ParseIssue(
                f"took the block at line {chosen.start_line}; ignored {len(others)} {kind} "
                f"(lines {', '.join(str(block.start_line) for block in others)})",
                fatal=False,
            )
        )
    if not chosen.terminated:
        issues.append(
            ParseIssue(
                f"the code block opened at line {chosen.start_line} is never closed",
                fatal=False,
            )
        )
    content = _tidy(chosen.content)
    trimmed = trim_cut(content) if trim_cut is not None and not chosen.terminated else None
    if trimmed is not None:
        content, note = trimmed
        issues.append(note)
    issues += _validate(path, content, chosen)
    return ParseResult(FileReply(path, content), issues)


def _parsing_reading(
    text: str, path: str, blocks: list[CodeBlock]
) -> tuple[CodeBlock, CodeBlock] | None:
    """The first of ``blocks`` that parses as Python once read up to a later bare fence of the
    reply, as ``(block, longer reading)``; None when no reading parses."""
    for block in blocks:
        for reading in longer_readings(text, block):
            if python_syntax_issue(path, _tidy(reading.content)) is None:
                return block, reading
    return None


def parse_named_files_reply(
    reply: str, *, max_chars: int = DEFAULT_MAX_REPLY_CHARS
) -> ParseResult[list[FileReply]]:
    """Every file a reply names itself: each block labelled with a path (see
    :mod:`~autobyteus_coding_steps.parsing.code_blocks`).

    Any unsafe path makes the whole reply unusable, so nothing of it is written. Two different
    blocks for one path are ambiguous (fatal); unlabelled blocks are ignored with a note.
    """
    problem = _precheck(reply, max_chars)
    if problem is not None:
        return ParseResult(None, [problem])
    issues: list[ParseIssue] = []
    files: dict[str, FileReply] = {}
    for block in find_code_blocks(reply):
        if block.is_blank():
            continue
        if block.path_hint is None:
            issues.append(
                ParseIssue(
                    "ignored a block without a file path; write the path on the line before "
                    "each block",
                    excerpt=excerpt(block.content, 60),
                    line=block.start_line,
                    fatal=False,
                )
            )
            continue
        unsafe = path_problem(block.path_hint)
        if unsafe is not None:
            issues.append(ParseIssue(unsafe, excerpt=block.path_hint, line=block.start_line))
            continue
        path = normalise_path(block.path_hint)
        content = _tidy(block.content)
        previous = files.get(path)
        if previous is not None and previous.content != content:
            issues.append(
                ParseIssue(
                    f"the reply has two different blocks for `{path}`; give each file once",
                    line=block.start_line,
                )
            )
            continue
        files[path] = FileReply(path, content)
        issues += _validate(path, content, block)
    if not files and not any(issue.fatal for issue in issues):
        issues.append(
            ParseIssue(
                "the reply names no file; write each file's path on the line before its ``` block"
            )
        )
    return ParseResult(list(files.values()) if files else None, issues)

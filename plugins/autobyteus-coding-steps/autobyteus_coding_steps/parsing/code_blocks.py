"""Finding fenced code blocks in a reply, and the file path each one is labelled with.

Accepted forms: backtick or tilde fences of any length (three or more), with or without a
language, indented or not; the closing fence may be longer than the opening one. A fence line
that carries an info string inside a block opens a nested block (Markdown files and docstrings
show code examples); a bare fence closes the innermost one. A block left open at the end of the
reply is returned with ``terminated=False``.

A block's path comes from, in order: its info string (```` ```python src/x.py ````,
```` ```src/x.py ````, ```` ```python:src/x.py ````, ``title="src/x.py"``), the line just before
the fence (`` `src/x.py` ``, ``**File: src/x.py**``, ``### src/x.py``), or a first-line comment
inside the block (``# src/x.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from autobyteus_coding_steps.parsing.paths import clean_path_token, looks_like_path
from autobyteus_coding_steps.parsing.text import normalise_newlines

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_LABEL = re.compile(
    r"^(?:file\s*name|file\s*path|file|filename|path|title|name)\s*[:=]\s*", re.IGNORECASE
)
_INFO_KEY = re.compile(r"^(?:title|file|filename|path|name)\s*=\s*", re.IGNORECASE)
_COMMENT_PATH = re.compile(
    r"^\s*(?:#|//|--|<!--|/\*)\s*(?:(?:file\s*name|file\s*path|file|filename|path)\s*:\s*)?"
    r"(?P<path>[^\s]+?)\s*(?:-->|\*/)?\s*$",
    re.IGNORECASE,
)
_LANGUAGE = re.compile(r"^[A-Za-z][\w+#.\-]*$")
#: Fence languages that mark Markdown.
MARKDOWN_LANGUAGES = frozenset({"markdown", "md", "mdx"})
#: File names that hold Markdown.
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")
_PROSE_LOOKBACK_CHARS = 200


@dataclass(frozen=True)
class CodeBlock:
    """One fenced block: its text, where it is, and what it is labelled with."""

    content: str
    start_line: int
    end_line: int | None
    fence: str
    info: str = ""
    language: str | None = None
    path_hint: str | None = None
    hint_source: str | None = None

    @property
    def terminated(self) -> bool:
        """Whether a closing fence was found."""
        return self.end_line is not None

    def is_blank(self) -> bool:
        """Whether the block holds nothing but whitespace."""
        return not self.content.strip()


def _fence(line: str) -> tuple[str, str, str] | None:
    """``(indent, fence, info)`` when ``line`` is a fence line, else None."""
    match = _FENCE.match(line)
    if match is None:
        return None
    fence, info = match.group("fence"), match.group("info").strip()
    if fence[0] == "`" and "`" in info:
        return None  # inline code such as ```x``` is not a fence (CommonMark)
    return match.group("indent"), fence, info


def _paths_in(text: str) -> list[str]:
    """Distinct path-like tokens of ``text``, backticked ones first."""
    found: list[str] = []
    candidates = re.findall(r"`([^`\n]+)`", text) + text.split()
    for raw in candidates:
        token = clean_path_token(_LABEL.sub("", raw.strip()))
        if looks_like_path(token) and token not in found:
            found.append(token)
    return found


def _info_parts(info: str) -> tuple[str | None, str | None]:
    """``(language, path)`` read from a fence's info string."""
    language: str | None = None
    path: str | None = None
    tokens = info.replace("{", " ").replace("}", " ").split()
    for index, raw in enumerate(tokens):
        token = _INFO_KEY.sub("", raw)
        if index == 0 and ":" in token and not token.startswith(("/", "\\")):
            head, _, tail = token.partition(":")
            if _LANGUAGE.match(head) and len(head) > 1:
                language = head
                token = tail
        cleaned = clean_path_token(token)
        if path is None and looks_like_path(cleaned):
            path = cleaned
        elif index == 0 and language is None and _LANGUAGE.match(token.lstrip(".")):
            language = token.lstrip(".")
    return (language.lower() if language else None), path


def hint_before(lines: list[str], index: int) -> str | None:
    """The path named by the line before ``lines[index]`` (one blank line may separate them)."""
    j = index - 1
    if j >= 0 and not lines[j].strip():
        j -= 1
    if j < 0:
        return None
    line = lines[j].strip()
    if not line or len(line) > _PROSE_LOOKBACK_CHARS or _fence(line) is not None:
        return None
    line = re.sub(r"^(?:#{1,6}\s*|[-*+]\s+|\d+[.)]\s+)", "", line)
    paths = _paths_in(line)
    return paths[0] if len(paths) == 1 else None


def _hint_in_first_line(content: str) -> str | None:
    first = content.split("\n", 1)[0]
    match = _COMMENT_PATH.match(first)
    if match is None:
        return None
    token = clean_path_token(match.group("path"))
    return token if looks_like_path(token) else None


def _dedent(lines: list[str], indent: str) -> list[str]:
    if not indent:
        return lines
    return [
        line[len(indent) :] if line.startswith(indent) else line.lstrip(" \t") for line in lines
    ]


def _find_close(lines: list[str], start: int, fence: str, *, greedy: bool) -> int | None:
    """The index of the line closing the block opened at ``start``, or None when it never closes.

    Info-string fences inside open nested blocks that bare fences close. ``greedy`` (for Markdown
    files) closes at the last suitable bare fence of the reply instead of the first.
    """
    depth = 0
    close: int | None = None
    for j in range(start + 1, len(lines)):
        parsed = _fence(lines[j])
        if parsed is None or parsed[1][0] != fence[0]:
            continue
        _, other, info = parsed
        if info:
            depth += 1
        elif depth:
            depth -= 1
        elif len(other) >= len(fence):
            close = j
            if not greedy:
                return j
    return close


def _may_be_markdown(language: str | None, path: str | None) -> bool:
    """Whether a block opened with this language and info-string path may hold a Markdown file:
    tagged Markdown, or with no language at all (a bare fence, or only a path, ``README.md``)."""
    if language in MARKDOWN_LANGUAGES:
        return True
    if path is not None:
        return path.lower().endswith(MARKDOWN_SUFFIXES)
    return language is None


def find_code_blocks(text: str, *, greedy_markdown: bool = False) -> list[CodeBlock]:
    """Every top-level fenced block of ``text`` in order (see the module docstring).

    With ``greedy_markdown`` (the reply is asked for a Markdown file), a block that may hold
    Markdown — tagged so, or with no language — extends to the last closing fence of the reply,
    so a Markdown file whose own code examples use the same fence survives whole.
    Never raises; ``text`` may be anything.
    """
    lines = normalise_newlines(text).split("\n")
    blocks: list[CodeBlock] = []
    i = 0
    while i < len(lines):
        parsed = _fence(lines[i])
        if parsed is None:
            i += 1
            continue
        indent, fence, info = parsed
        language, path = _info_parts(info)
        greedy = greedy_markdown and _may_be_markdown(language, path)
        close = _find_close(lines, i, fence, greedy=greedy)
        body = lines[i + 1 : close if close is not None else len(lines)]
        content = "\n".join(_dedent(body, indent))
        source = "info string" if path else None
        if path is None:
            path = hint_before(lines, i)
            source = "line before the block" if path else None
        if path is None:
            path = _hint_in_first_line(content)
            source = "first-line comment" if path else None
        blocks.append(
            CodeBlock(
                content=content,
                start_line=i + 1,
                end_line=close + 1 if close is not None else None,
                fence=fence,
                info=info,
                language=language,
                path_hint=path,
                hint_source=source,
            )
        )
        i = (close if close is not None else len(lines)) + 1
    return blocks


def longer_readings(text: str, block: CodeBlock) -> list[CodeBlock]:
    """``block`` (found in ``text``) closed at each later bare fence of the reply instead, in
    order: the readings to try when a bare fence inside the file (a code example in a Python
    docstring) closed the block too early."""
    if block.end_line is None:
        return []
    lines = normalise_newlines(text).split("\n")
    opening = _fence(lines[block.start_line - 1])
    if opening is None:
        return []
    indent, fence, _ = opening
    readings: list[CodeBlock] = []
    for j in range(block.end_line, len(lines)):
        parsed = _fence(lines[j])
        if parsed is None or parsed[1][0] != fence[0] or parsed[2] or len(parsed[1]) < len(fence):
            continue
        body = lines[block.start_line : j]
        content = "\n".join(_dedent(body, indent))
        readings.append(replace(block, content=content, end_line=j + 1))
    return readings

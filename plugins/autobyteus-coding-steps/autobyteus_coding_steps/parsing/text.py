"""Small text helpers shared by the parsers."""

from __future__ import annotations

from autobyteus_coding_steps.parsing.report import ParseIssue

#: The default largest reply the parsers read, in characters.
DEFAULT_MAX_REPLY_CHARS = 200_000


def normalise_newlines(text: str) -> str:
    """``text`` with CRLF and lone CR turned into LF and a leading byte-order mark removed."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def excerpt(text: str, limit: int = 120) -> str:
    """``text`` stripped and cut to ``limit`` characters (with an ellipsis when cut)."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def clip_middle(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters by dropping its middle, saying how much went."""
    if len(text) <= limit:
        return text
    keep = max(limit // 2, 1)
    dropped = len(text) - 2 * keep
    return f"{text[:keep]}\n[... {dropped} characters cut ...]\n{text[-keep:]}"


def reply_size_issue(text: str, max_chars: int) -> ParseIssue | None:
    """A fatal issue when ``text`` is longer than ``max_chars``, else None.

    Parsers refuse to read oversized replies at all (a runaway model can produce megabytes); the
    issue says how long the reply was so the re-ask can ask for a shorter one.
    """
    if len(text) <= max_chars:
        return None
    return ParseIssue(
        f"the reply is {len(text):,} characters long, over the limit of {max_chars:,}; "
        "reply again with only what was asked for",
        excerpt=excerpt(text[:200], 80),
    )


def empty_reply_issue(text: str) -> ParseIssue | None:
    """A fatal issue when ``text`` holds nothing but whitespace."""
    if text.strip():
        return None
    return ParseIssue("the reply is empty")

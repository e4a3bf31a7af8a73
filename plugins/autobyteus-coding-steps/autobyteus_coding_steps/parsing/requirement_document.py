"""Reading the structured requirement document out of a reply."""

from __future__ import annotations

import re

from autobyteus_coding_steps.parsing.code_blocks import find_code_blocks
from autobyteus_coding_steps.parsing.report import ParseIssue, ParseResult
from autobyteus_coding_steps.parsing.text import (
    DEFAULT_MAX_REPLY_CHARS,
    empty_reply_issue,
    normalise_newlines,
    reply_size_issue,
)

#: The sections the requirement prompt asks for.
SECTIONS = ("Background", "Functional requirements", "Constraints", "Acceptance criteria")


def parse_requirement_document(
    reply: str, *, max_chars: int = DEFAULT_MAX_REPLY_CHARS
) -> ParseResult[str]:
    """The document in ``reply``, unwrapped from a Markdown fence if the model put it in one.

    Only an empty or oversized reply is unusable; a missing section is a note (the user's own
    words stay the source of truth either way).
    """
    problem = reply_size_issue(reply, max_chars) or empty_reply_issue(reply)
    if problem is not None:
        return ParseResult(None, [problem])
    text = normalise_newlines(reply).strip()
    blocks = find_code_blocks(text, greedy_markdown=True)
    if len(blocks) == 1 and blocks[0].language in (None, "markdown", "md", "text"):
        outside = text.replace(blocks[0].content, "")
        if len(outside) < len(blocks[0].content) // 4 + 200:
            text = blocks[0].content.strip()
    issues: list[ParseIssue] = []
    missing = [
        name
        for name in SECTIONS
        if not re.search(rf"^\s*(?:#+\s*|\*\*)?{re.escape(name)}", text, re.I | re.M)
    ]
    if missing:
        issues.append(ParseIssue(f"the document has no section {', '.join(missing)}", fatal=False))
    if not text:
        return ParseResult(None, [ParseIssue("the reply holds only an empty block")])
    return ParseResult(text, issues)

"""Parsers for LLM replies: pure functions, no I/O, tolerant in form and strict in safety.

Every parser returns a :class:`~autobyteus_coding_steps.parsing.report.ParseResult` holding the
value (or None) and every issue it met, fatal or not; none of them raises on any input.
"""

from __future__ import annotations

from autobyteus_coding_steps.parsing.code_blocks import CodeBlock, find_code_blocks
from autobyteus_coding_steps.parsing.dependencies import derive_dependencies
from autobyteus_coding_steps.parsing.edit_blocks import (
    EditBlock,
    EditedFile,
    apply_edit_blocks,
    parse_edit_blocks,
    parse_edit_reply,
)
from autobyteus_coding_steps.parsing.file_reply import (
    FileReply,
    parse_file_reply,
    parse_named_files_reply,
)
from autobyteus_coding_steps.parsing.paths import path_problem
from autobyteus_coding_steps.parsing.report import ParseIssue, ParseResult
from autobyteus_coding_steps.parsing.tasks import parse_subtasks

__all__ = [
    "CodeBlock",
    "EditBlock",
    "EditedFile",
    "FileReply",
    "ParseIssue",
    "ParseResult",
    "apply_edit_blocks",
    "derive_dependencies",
    "find_code_blocks",
    "parse_edit_blocks",
    "parse_edit_reply",
    "parse_file_reply",
    "parse_named_files_reply",
    "parse_subtasks",
    "path_problem",
]

"""Changing an existing file by search/replace edit blocks instead of rewriting it whole."""

from __future__ import annotations

from typing import TYPE_CHECKING

from autobyteus_coding_steps.parsing.edit_blocks import has_edit_blocks, parse_edit_reply
from autobyteus_coding_steps.parsing.file_reply import FileReply, TrimCut, parse_file_reply
from autobyteus_coding_steps.parsing.report import ParseResult

if TYPE_CHECKING:
    from autobyteus_coding_steps.options import StepOptions


def uses_edit_blocks(options: StepOptions, existing: str | None) -> bool:
    """Whether a file now holding ``existing`` (None: no file yet) is asked for as edit blocks."""
    return existing is not None and len(existing) > options.edit_blocks_above_chars


def edit_instructions(path: str) -> str:
    """What a prompt asking for edit blocks to ``path`` says about their form."""
    return (
        f"Change `{path}` with search/replace edit blocks; do not repeat the whole file. "
        "Each block quotes lines of the file exactly as they are now (a few lines, enough to "
        "match one place only) and gives the lines that replace them:\n\n"
        f"`{path}`\n<<<<<<< SEARCH\nthe lines as they are now\n=======\n"
        "the lines that replace them\n>>>>>>> REPLACE\n\n"
        "Use one block per place to change, in the order they appear in the file, and "
        "no block for the parts that stay as they are."
    )


def edit_reask(path: str) -> str:
    """The instruction repeated when edit blocks to ``path`` could not all be applied."""
    return (
        f"Reply again with search/replace edit blocks for `{path}`: only the blocks that were "
        "not applied, each SEARCH part quoting the file exactly as it is now."
    )


class EditSession:
    """One existing file as the replies of one ask change it: the blocks an attempt applied
    stay applied, so a re-ask needs only the blocks that failed. A reply holding no edit block
    but the whole file in a code block is read as the whole file."""

    def __init__(self, path: str, text: str, options: StepOptions) -> None:
        self.path = path
        self.text = text
        self.options = options

    def parse(self, reply: str, *, trim_cut: TrimCut | None = None) -> ParseResult[FileReply]:
        """The file after ``reply``'s blocks (see :func:`parse_edit_reply`); ``trim_cut`` cuts
        a whole file given instead of blocks back when it was cut off, as it does for a whole
        file asked for (see :func:`parse_file_reply`)."""
        if not has_edit_blocks(reply):
            return parse_file_reply(
                reply, self.path, max_chars=self.options.max_reply_chars, trim_cut=trim_cut
            )
        result = parse_edit_reply(
            reply,
            self.path,
            self.text,
            max_chars=self.options.max_reply_chars,
            similarity=self.options.edit_similarity,
        )
        if result.value is None:
            return ParseResult(None, result.issues)
        self.text = result.value.content
        return ParseResult(FileReply(self.path, result.value.content), result.issues)

"""What a step declares when it keeps its output as a document people may read and edit."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EditableOutput:
    """A document of a step's output, kept in the run folder as ``file`` (e.g. ``plan.md``).

    ``what`` names it in messages (``plan``); ``proceed`` is the word for going on with it in
    ``autobyteus run --interactive`` (``implement``). The step renders the document with
    :meth:`~autobyteus_core.workflow.base_step.BaseStep.output_document` and reads an edited
    copy back with :meth:`~autobyteus_core.workflow.base_step.BaseStep.edit_output`.
    """

    file: str
    what: str = "output"
    proceed: str = "continue"

    def __post_init__(self) -> None:
        if "/" in self.file or "\\" in self.file or self.file.startswith(".") or not self.file:
            raise ValueError(f"an editable output's file is a plain file name, got {self.file!r}")

"""A small, real :class:`WorkflowContext` double for the coding-steps tests (imported by
``conftest.py`` and the tests; not a test module).

:class:`FakeContext` works over a real workspace (the core's ``WorkspaceSetting`` and safe writer,
the ``python`` workspace type) with a ``ScriptedLLM``; it records the call keys, the events and
the checkpoints, and keeps ``state.files_written`` as the engine does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from autobyteus_core import (
    AutobyteusSettings,
    BaseStep,
    EventType,
    LLMResponse,
    Message,
    StepResult,
    WorkflowContext,
    WorkflowState,
    WorkspaceSetting,
    WrittenFile,
    get_logger,
    python_workspace,
)
from autobyteus_core.testing import ScriptedLLM


class FakeContext(WorkflowContext):
    """A step's context for unit tests: real workspace and writer, scripted LLM, no run store."""

    def __init__(
        self,
        root: Path,
        llm: ScriptedLLM,
        *,
        state: WorkflowState | None = None,
        settings: AutobyteusSettings | None = None,
        max_concurrency: int = 2,
        step_id: str = "step",
    ) -> None:
        self.run_id = "run-test"
        self.step_id = step_id
        self.state = state or WorkflowState(requirement="Count words in a text.")
        self.workspace = WorkspaceSetting.detect(root, [python_workspace()])
        self.settings = settings or AutobyteusSettings.load(root)
        self.model_id = llm.model_id
        self.max_concurrency = max_concurrency
        self.log = get_logger(test=True)
        self.llm = llm
        self.keys: list[str | None] = []
        #: The reply of every keyed call so far, as the engine's run record keeps them.
        self.replies: dict[str, str] = {}
        self.events: list[tuple[EventType, dict[str, Any]]] = []
        self.checkpoints = 0

    async def complete(
        self, messages: Sequence[Message], *, key: str | None = None, **options: Any
    ) -> LLMResponse:
        self.keys.append(key)
        response = await self.llm.complete(messages, **options)
        if key is not None:
            self.replies[key] = response.text
        return response

    def recorded_reply(self, key: str) -> str | None:
        return self.replies.get(key)

    def write_file(self, path: str, content: str) -> WrittenFile:
        written = self.workspace.write_file(path, content)
        if written.path not in self.state.files_written:
            self.state.files_written.append(written.path)
        return written

    def emit(self, type: EventType, **data: Any) -> None:
        self.events.append((type, data))

    async def checkpoint(self, *, wait: bool = True) -> None:
        self.checkpoints += 1

    async def run_sub_steps(self, step: BaseStep) -> StepResult:
        raise NotImplementedError

    def prompts(self) -> list[str]:
        """The last user message of every LLM call, in order."""
        return [call.prompt for call in self.llm.calls]


MakeContext = Callable[..., FakeContext]

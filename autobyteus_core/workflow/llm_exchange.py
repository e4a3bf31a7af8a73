"""One recorded LLM call of a run, replayed instead of re-issued when the run resumes."""

from __future__ import annotations

import time

from pydantic import BaseModel, Field

from autobyteus_core.llm.usage import Usage


class LLMExchange(BaseModel):
    """A completed call: where it was made, what identifies its prompt, and the raw reply.

    ``step`` is the step path (``"design"`` or ``"build/backend"``), ``key`` the call key within
    the step (the step's own key such as ``"task-3/attempt-1"``, or ``"#<n>"`` for the n-th
    unkeyed call), and ``fingerprint`` the SHA-256 of the messages and options. The prompt text
    itself is kept in the run's ``transcript.jsonl``.
    """

    step: str
    key: str
    fingerprint: str
    model: str
    reply: str
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    finish_reason: str | None = None
    timestamp: float = Field(default_factory=time.time)

"""What an LLM call returns."""

from __future__ import annotations

from pydantic import BaseModel

from autobyteus_core.llm.usage import Usage


class LLMResponse(BaseModel):
    """The reply text with its usage, the model that produced it and the call's latency."""

    text: str
    usage: Usage
    model: str
    latency_s: float = 0.0
    finish_reason: str | None = None


class StreamChunk(BaseModel):
    """One piece of a streamed reply.

    Every chunk but the last carries ``text``; the last has ``done=True`` and the complete
    ``response`` (full text, usage, latency).
    """

    text: str = ""
    done: bool = False
    response: LLMResponse | None = None

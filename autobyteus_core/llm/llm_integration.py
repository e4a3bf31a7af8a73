"""The interface every LLM provider's client implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from typing import Any

from autobyteus_core.llm.llm_response import LLMResponse, StreamChunk
from autobyteus_core.llm.message import Message


class LLMIntegration(ABC):
    """A ready client for one model. Safe to call from several coroutines at once.

    Implementations raise the typed errors of :mod:`llm.errors` and fill in :class:`Usage` (tokens,
    and cost when the price is known).
    """

    def __init__(self, model_id: str) -> None:
        """``model_id`` is the full ``provider:model`` id this integration serves."""
        self.model_id = model_id

    @abstractmethod
    async def complete(self, messages: Sequence[Message], **options: Any) -> LLMResponse:
        """Send ``messages`` and return the whole reply.

        ``options`` are provider-neutral where possible: ``temperature``, ``max_tokens``, ``seed``,
        ``stop``. Unknown options are ignored by providers that cannot honour them.
        """

    async def stream(
        self, messages: Sequence[Message], **options: Any
    ) -> AsyncIterator[StreamChunk]:
        """Yield the reply as it is generated, ending with a ``done`` chunk carrying usage.

        The default implementation calls :meth:`complete` and yields its text in one piece.
        """
        response = await self.complete(messages, **options)
        if response.text:
            yield StreamChunk(text=response.text)
        yield StreamChunk(done=True, response=response)

    async def aclose(self) -> None:  # noqa: B027 - optional hook, deliberately empty
        """Release connections or models. Optional."""

"""Token usage and cost of one or more LLM calls."""

from __future__ import annotations

from pydantic import BaseModel


class Usage(BaseModel):
    """Tokens used and, when the price is known, the cost in US dollars.

    Usages add up with ``+``; a cost that is unknown on either side stays known only for the part
    that had one, and ``cost_known`` records whether every part had a price.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    calls: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        if self.cost_usd is None and other.cost_usd is None:
            cost = None
        else:
            cost = (self.cost_usd or 0.0) + (other.cost_usd or 0.0)
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cost_usd=cost,
            calls=self.calls + other.calls,
        )

"""A run's spending limit in tokens and/or US dollars, checked before every LLM call."""

from __future__ import annotations

import re
from dataclasses import dataclass

from autobyteus_core.llm.usage import Usage

_TOKENS = re.compile(r"^(\d+(?:\.\d+)?)\s*([km]?)(?:\s*tokens?)?$", re.I)
_USD = re.compile(r"^(?:\$\s*(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*(?:\$|usd))$", re.I)
BUDGET_HELP = "a budget is a number of tokens (20000, 20k, 1.5m) or US dollars ($0.50, 2usd)"


@dataclass(frozen=True)
class Budget:
    """At most ``tokens`` tokens and at most ``usd`` dollars (None: no limit)."""

    tokens: int | None = None
    usd: float | None = None

    @classmethod
    def parse(cls, text: str) -> Budget:
        """``"20000"``, ``"20k"`` → tokens; ``"$0.50"``, ``"0.5$"``, ``"2usd"`` → dollars."""
        cleaned = text.strip().replace("_", "").replace(",", "")
        usd = _USD.match(cleaned)
        if usd:
            value = float(usd.group(1) or usd.group(2))
            if value <= 0:
                raise ValueError(f"{text!r}: the budget must be more than zero")
            return cls(usd=value)
        tokens = _TOKENS.match(cleaned)
        if not tokens:
            raise ValueError(f"{text!r} is not a budget: {BUDGET_HELP}")
        scale = {"": 1, "k": 1_000, "m": 1_000_000}[tokens.group(2).lower()]
        count = int(float(tokens.group(1)) * scale)
        if count <= 0:
            raise ValueError(f"{text!r}: the budget must be more than zero")
        return cls(tokens=count)

    @property
    def limited(self) -> bool:
        """Whether any limit is set."""
        return self.tokens is not None or self.usd is not None

    def describe(self) -> str:
        """``"20000 tokens"``, ``"$0.50"``, both, or ``"unlimited"``."""
        parts = []
        if self.tokens is not None:
            parts.append(f"{self.tokens} tokens")
        if self.usd is not None:
            parts.append(f"${self.usd:.4g}")
        return " and ".join(parts) or "unlimited"

    def refusal(self, spent: Usage, committed: int, estimate: int) -> str | None:
        """Why a call estimated at ``estimate`` tokens may not start, given what was ``spent``
        and the estimates of the calls in flight (``committed``); None when it may."""
        if self.tokens is not None:
            projected = spent.total_tokens + committed + estimate
            if projected > self.tokens:
                return (
                    f"the next LLM call (about {estimate} tokens) would bring the run to about "
                    f"{projected} tokens, over the budget of {self.tokens} tokens "
                    f"({spent.total_tokens} used)"
                )
        if self.usd is not None:
            cost = spent.cost_usd or 0.0
            price = cost / spent.total_tokens if spent.total_tokens else 0.0
            projected_usd = cost + (committed + estimate) * price
            if cost >= self.usd or projected_usd > self.usd:
                return (
                    f"the next LLM call would bring the cost to about ${projected_usd:.4f}, over "
                    f"the budget of ${self.usd:.4g} (${cost:.4f} spent)"
                )
        return None

"""Model prices (USD per million tokens) and the cost of a call.

The built-in table holds OpenAI's published list prices of common models at the time of writing;
prices change, so users override or extend it with the ``prices`` setting, e.g. in
``autobyteus.toml``::

    [openai.prices."gpt-4o-mini"]
    input = 0.15
    output = 0.60

A dated snapshot name (``gpt-4o-mini-2024-07-18``) uses the price of its base name. Models with no
known price (typically self-hosted ones; give them ``input = 0, output = 0``) report no cost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from autobyteus_openai.settings import ModelPrice

#: model -> (input, output) USD per million tokens.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4-turbo": (10.00, 30.00),
    "gpt-3.5-turbo": (0.50, 1.50),
    "o1": (15.00, 60.00),
    "o3": (2.00, 8.00),
    "o3-mini": (1.10, 4.40),
    "o4-mini": (1.10, 4.40),
}

_SNAPSHOT_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}$")


def price_table(overrides: Mapping[str, ModelPrice]) -> dict[str, ModelPrice]:
    """The built-in prices with the user's ``overrides`` on top."""
    table = {name: ModelPrice(input=inp, output=out) for name, (inp, out) in DEFAULT_PRICES.items()}
    table.update(overrides)
    return table


def price_for(model: str, overrides: Mapping[str, ModelPrice]) -> ModelPrice | None:
    """The price of ``model`` (or of its undated base name), or None when unknown."""
    table = price_table(overrides)
    return table.get(model) or table.get(_SNAPSHOT_SUFFIX.sub("", model))


def cost_usd(price: ModelPrice | None, prompt_tokens: int, completion_tokens: int) -> float | None:
    """The cost of a call in US dollars, or None when the price is unknown."""
    if price is None:
        return None
    return (prompt_tokens * price.input + completion_tokens * price.output) / 1_000_000

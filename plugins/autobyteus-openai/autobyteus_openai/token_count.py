"""A rough token count for servers that report no usage.

tiktoken would be exact for OpenAI models, but it downloads its encodings at run time and knows
nothing of the models behind OpenAI-compatible servers, so the count is the usual rule of thumb:
about four characters of English text or code per token, rounded up.
"""

from __future__ import annotations

from collections.abc import Iterable

CHARS_PER_TOKEN = 4

#: Tokens each chat message adds for its role and separators.
MESSAGE_OVERHEAD_TOKENS = 4


def estimate_tokens(text: str) -> int:
    """About ``len(text) / 4`` tokens, rounded up."""
    return -(-len(text) // CHARS_PER_TOKEN)


def estimate_prompt_tokens(contents: Iterable[str]) -> int:
    """The tokens of a chat prompt whose messages have these contents."""
    return sum(estimate_tokens(content) + MESSAGE_OVERHEAD_TOKENS for content in contents)

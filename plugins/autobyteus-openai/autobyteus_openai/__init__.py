"""autobyteus-openai: the ``openai`` LLM provider for OpenAI and OpenAI-compatible servers."""

from __future__ import annotations

__version__ = "0.1.0"

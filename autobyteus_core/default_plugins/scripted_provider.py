"""The ``scripted`` provider: replies read from a file, for tests, demos and crash drills.

``scripted:/path/to/replies.json`` serves a JSON file holding either a list of replies (served in
order) or ``{"rules": [{"match": "<regex>", "reply": "..."}], "replies": [...]}``. When the
environment variable ``AUTOBYTEUS_SCRIPTED_LOG`` names a file, every served call appends one JSON
line to it (``{"n": ..., "prompt_sha256": ..., "reply_index": ...}``), so a test can prove which
calls were served, even across processes. ``AUTOBYTEUS_SCRIPTED_DELAY`` (seconds) slows each reply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from autobyteus_core import Deferred, hookimpl

if TYPE_CHECKING:
    from autobyteus_core.llm.llm_provider import LLMProvider


@hookimpl
def register_llm_providers(register: Callable[[LLMProvider | Deferred], None]) -> None:
    """Register the ``scripted`` provider (imported, with the LLM types, when first used)."""
    register(Deferred("scripted", "autobyteus_core.testing.replies_file:ScriptedFileProvider"))

"""A replies file as a model: the provider behind ``scripted:<path>`` model ids and its LLM."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from autobyteus_core.errors import ConfigurationError
from autobyteus_core.llm.llm_integration import LLMIntegration
from autobyteus_core.llm.llm_provider import LLMProvider, ModelInfo
from autobyteus_core.llm.llm_response import LLMResponse
from autobyteus_core.llm.message import Message
from autobyteus_core.settings import AutobyteusSettings
from autobyteus_core.testing.scripted_llm import ScriptedLLM

ENV_LOG = "AUTOBYTEUS_SCRIPTED_LOG"
ENV_DELAY = "AUTOBYTEUS_SCRIPTED_DELAY"


class FileScriptedLLM(ScriptedLLM):
    """A :class:`ScriptedLLM` loaded from a replies file that logs each served call to a file."""

    def __init__(self, model_id: str, script: Path) -> None:
        super().__init__(model_id=model_id)
        try:
            data: Any = json.loads(script.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"cannot read scripted replies {script}: {exc}") from exc
        if isinstance(data, list):
            data = {"replies": data}
        for rule in data.get("rules", []):
            self.on(rule["match"], rule["reply"], times=rule.get("times"))
        self.queue(*data.get("replies", []))
        self._log = os.environ.get(ENV_LOG)
        self._delay = float(os.environ.get(ENV_DELAY, "0") or 0)

    async def complete(self, messages: Sequence[Message], **options: Any) -> LLMResponse:
        """Serve the next reply, after the configured delay, and log it."""
        if self._delay:
            await asyncio.sleep(self._delay)
        response = await super().complete(messages, **options)
        if self._log:
            digest = hashlib.sha256(
                json.dumps([m.model_dump() for m in messages]).encode()
            ).hexdigest()
            with open(self._log, "a", encoding="utf-8") as log:
                log.write(json.dumps({"n": len(self.calls), "prompt_sha256": digest}) + "\n")
        return response


class ScriptedFileProvider(LLMProvider):
    """Provider ``scripted``: ``scripted:<path-to-replies.json>``."""

    name = "scripted"
    description = "Replies read from a JSON file (testing kit)"

    def list_models(self, settings: AutobyteusSettings) -> list[ModelInfo]:
        """No fixed models: any replies file is a model."""
        return [ModelInfo(id="scripted:<path-to-replies.json>", description=self.description)]

    def create(self, model: str, settings: AutobyteusSettings) -> LLMIntegration:
        """Load the replies file ``model``."""
        path = Path(model).expanduser()
        if not path.is_file():
            raise ConfigurationError(f"scripted replies file not found: {path}")
        return FileScriptedLLM(f"scripted:{model}", path)

"""An :class:`LLMIntegration` that answers from a script and records every call."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autobyteus_core.llm.errors import LLMError
from autobyteus_core.llm.llm_integration import LLMIntegration
from autobyteus_core.llm.llm_response import LLMResponse
from autobyteus_core.llm.message import Message
from autobyteus_core.llm.usage import Usage

Reply = str | Callable[[Sequence[Message]], str] | BaseException


@dataclass
class RecordedCall:
    """One call the scripted LLM served: what was sent and what it answered."""

    messages: list[Message]
    options: dict[str, Any]
    reply: str | None = None

    @property
    def prompt(self) -> str:
        """The text of the last user message."""
        users = [m.content for m in self.messages if m.role == "user"]
        return users[-1] if users else ""


@dataclass
class _Rule:
    pattern: re.Pattern[str]
    reply: Reply
    times: int | None


@dataclass
class ScriptedLLM(LLMIntegration):
    """Replies come from rules first (a regex searched in the last user message), then from a
    queue. A reply may be a string, a function of the messages, or an exception to raise.
    With neither a matching rule nor a queued reply, the call fails with a message saying so.

    Usage counts whitespace-separated words as tokens; ``cost_per_token`` sets a cost.
    ``max_tokens`` (or a call's own ``max_tokens`` option, whichever is lower) cuts longer
    replies to that many words, ``finish_reason="length"``, as a provider's length limit does.
    """

    model_id: str = "scripted:test"
    cost_per_token: float | None = None
    max_tokens: int | None = None
    calls: list[RecordedCall] = field(default_factory=list)
    _queue: deque[Reply] = field(default_factory=deque)
    _rules: list[_Rule] = field(default_factory=list)

    def __post_init__(self) -> None:
        LLMIntegration.__init__(self, self.model_id)

    def queue(self, *replies: Reply) -> ScriptedLLM:
        """Append replies to be served in order."""
        self._queue.extend(replies)
        return self

    def on(self, pattern: str, reply: Reply, *, times: int | None = None) -> ScriptedLLM:
        """Answer ``reply`` whenever ``pattern`` is found in the last user message (``times``
        limits how often). Earlier rules win."""
        self._rules.append(_Rule(re.compile(pattern, re.S), reply, times))
        return self

    @property
    def pending(self) -> int:
        """Queued replies not served yet."""
        return len(self._queue)

    def _next_reply(self, call: RecordedCall) -> Reply:
        for rule in self._rules:
            if rule.times != 0 and rule.pattern.search(call.prompt):
                if rule.times is not None:
                    rule.times -= 1
                return rule.reply
        if self._queue:
            return self._queue.popleft()
        raise LLMError(
            f"ScriptedLLM has no reply for call #{len(self.calls)}: no rule matched and the queue "
            f"is empty. Prompt began: {call.prompt[:200]!r}"
        )

    async def complete(self, messages: Sequence[Message], **options: Any) -> LLMResponse:
        """Serve the next scripted reply and record the call."""
        call = RecordedCall(messages=list(messages), options=dict(options))
        self.calls.append(call)
        reply = self._next_reply(call)
        if isinstance(reply, BaseException):
            raise reply
        text = reply(messages) if callable(reply) else reply
        finish_reason = "stop"
        limits = [n for n in (self.max_tokens, options.get("max_tokens")) if isinstance(n, int)]
        limit = min(limits, default=None)
        if limit is not None and len(text.split()) > limit:
            text = text[: list(re.finditer(r"\S+", text))[limit - 1].end()]
            finish_reason = "length"
        call.reply = text
        prompt_tokens = sum(len(m.content.split()) for m in messages)
        completion_tokens = len(text.split())
        cost = None
        if self.cost_per_token is not None:
            cost = (prompt_tokens + completion_tokens) * self.cost_per_token
        return LLMResponse(
            text=text,
            usage=Usage(
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                cost_usd=cost,
                calls=1,
            ),
            model=self.model_id,
            finish_reason=finish_reason,
        )

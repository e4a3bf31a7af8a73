"""Every LLM call of a run goes through the ledger: replayed from the record when it was made
before (under its key, or under any key when the very same prompt was answered in the run),
checked against the :class:`Budget`, bounded in concurrency, timed, recorded, saved, counted per
call, per step and per run, and announced as events."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autobyteus_core.llm.errors import LLMResponseError
from autobyteus_core.llm.llm_integration import LLMIntegration
from autobyteus_core.llm.llm_response import LLMResponse
from autobyteus_core.llm.message import Message
from autobyteus_core.llm.usage import Usage
from autobyteus_core.logging import redact_secrets
from autobyteus_core.secret_masking import mask_secrets
from autobyteus_core.workflow.errors import BudgetExceededError
from autobyteus_core.workflow.events import EventType
from autobyteus_core.workflow.run_record import LLMExchange

if TYPE_CHECKING:
    from autobyteus_core.workflow.run_journal import RunJournal

#: Sends an event: ``emit(type, step_path, **data)``.
Emit = Callable[..., None]

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


def scrub_options(options: dict[str, Any]) -> dict[str, Any]:
    """Call options with anything secret-looking masked (they are recorded and hashed)."""
    return dict(redact_secrets(None, "", dict(options)))


def fingerprint(messages: Sequence[Message], options: dict[str, Any]) -> str:
    """SHA-256 of the messages and (scrubbed) options: what makes two calls the same call."""
    digest = hashlib.sha256()
    for message in messages:
        for part in (message.role, message.content):
            encoded = part.encode("utf-8", "surrogatepass")
            # Length-prefixed, so moving text across a message boundary changes the digest.
            digest.update(len(encoded).to_bytes(8, "big"))
            digest.update(encoded)
    digest.update(json.dumps(options, sort_keys=True, ensure_ascii=False, default=str).encode())
    return digest.hexdigest()


#: The rule of thumb every estimate uses: about four characters of text or code per token.
CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    """A rough token count of ``text`` (four characters a token)."""
    return len(text) // CHARS_PER_TOKEN


def estimate_prompt_tokens(messages: Sequence[Message]) -> int:
    """A rough token count of a prompt (four characters a token, plus a little per message)."""
    return estimate_tokens("".join(m.content for m in messages)) + 4 * len(messages)


class CallLedger:
    """The gateway between steps and the run's LLM."""

    def __init__(
        self,
        journal: RunJournal,
        llm: LLMIntegration,
        budget: Budget,
        max_concurrency: int,
        emit: Emit,
    ) -> None:
        """Serve calls for the run ``journal`` keeps, with ``llm``, within ``budget``."""
        self.journal = journal
        self.llm = llm
        self.budget = budget
        self.max_concurrency = max(1, max_concurrency)
        #: How many changes may wait for the background saver before a call waits for it.
        self.max_unsaved = 4 * self.max_concurrency
        self.emit = emit
        #: Why calls are refused from now on (the budget was reached), else None.
        self.stopped: str | None = None
        self.issued = 0
        self.replayed = 0
        # Estimates of the calls in flight: concurrent calls each checked against the budget
        # alone would together overspend it.
        self._committed = 0
        self._semaphore: asyncio.Semaphore | None = None
        self._semaphore_loop: asyncio.AbstractEventLoop | None = None

    def _slots(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        # A semaphore belongs to one event loop, and one workflow may be driven by several in
        # turn (run() then resume in the same process, an interactive pause).
        if self._semaphore is None or self._semaphore_loop is not loop:
            self._semaphore = asyncio.Semaphore(self.max_concurrency)
            self._semaphore_loop = loop
        return self._semaphore

    def estimate(self, messages: Sequence[Message], options: dict[str, Any]) -> int:
        """Tokens the call may use: its prompt, plus ``max_tokens`` or the average reply so far."""
        spent = self.journal.run.usage
        max_tokens = options.get("max_tokens")
        if isinstance(max_tokens, int):
            reply = max_tokens
        else:
            reply = spent.completion_tokens // spent.calls if spent.calls else 0
        return estimate_prompt_tokens(messages) + reply

    async def complete(
        self, step: str, key: str, messages: Sequence[Message], options: dict[str, Any]
    ) -> LLMResponse:
        """The reply to ``messages`` for call ``key`` of ``step`` (replayed when recorded).
        Known secrets are masked in the prompt before it is sent and in the reply (a model may
        echo a key it saw somewhere) before anything records or uses it."""
        masked = [_masked(m) for m in messages]
        clean = scrub_options(options)
        # Fingerprinted masked: a recorded call still replays after its key has been rotated.
        call = _Call(step, key, fingerprint(masked, clean), masked, clean)
        replayed = self._replay(call)
        if replayed is not None:
            return replayed
        estimate = self._admit(call, options)
        self._committed += estimate
        self.issued += 1
        # The LLM is called here, not in a helper: a call passes through as few frames as can be.
        try:
            async with self._slots():
                self.emit(EventType.LLM_CALL_STARTED, step, key=key, estimated_tokens=estimate)
                started = time.perf_counter()
                response = await self.llm.complete(masked, **options)
                latency = time.perf_counter() - started
            if not isinstance(response, LLMResponse):
                raise LLMResponseError(f"the LLM integration returned {type(response).__name__}")
        except Exception as exc:
            self.journal.note(
                call.entry("llm_error", self.llm.model_id, error=f"{type(exc).__name__}: {exc}")
            )
            self.emit(EventType.LLM_CALL_FINISHED, step, key=key, error=str(exc), replayed=False)
            raise
        finally:
            self._committed -= estimate
        return await self._record(call, response, response.latency_s or latency)

    def _replay(self, call: _Call) -> LLMResponse | None:
        """The recorded reply to this call, or to the very same prompt elsewhere in the run;
        None when the LLM has to be asked."""
        recorded = self.journal.find_exchange(call.step, call.key)
        if recorded is not None and recorded.fingerprint == call.digest:
            self.replayed += 1
            self._announce(call, recorded.model, recorded.usage, recorded.latency_s, True)
            return LLMResponse(
                text=recorded.reply,
                usage=recorded.usage,
                model=recorded.model,
                latency_s=recorded.latency_s,
                finish_reason=recorded.finish_reason,
            )
        answered = self.journal.find_answer(call.digest)
        return None if answered is None else self._reuse(call, answered)

    def _admit(self, call: _Call, options: dict[str, Any]) -> int:
        """The call's token estimate, once the budget allows it; raises
        :class:`BudgetExceededError` (and refuses every later call) when it does not."""
        estimate = self.estimate(call.messages, options)
        if self.stopped is None and self.budget.limited:
            refusal = self.budget.refusal(self.journal.run.usage, self._committed, estimate)
            if refusal is not None:
                self.stopped = f"budget reached: {refusal}"
                self.emit(EventType.BUDGET_EXCEEDED, call.step, key=call.key, reason=refusal)
        if self.stopped is not None:
            raise BudgetExceededError(self.stopped)
        return estimate

    async def _record(self, call: _Call, response: LLMResponse, latency: float) -> LLMResponse:
        """Record a reply the LLM gave (secrets masked), count it and announce it."""
        response = response.model_copy(update={"text": mask_secrets(response.text)})
        usage = (  # a provider that does not count calls made one
            response.usage
            if response.usage.calls
            else response.usage.model_copy(update={"calls": 1})
        )
        model = response.model or self.llm.model_id
        exchange = LLMExchange(
            step=call.step,
            key=call.key,
            fingerprint=call.digest,
            model=model,
            reply=response.text,
            usage=usage,
            latency_s=latency,
            finish_reason=response.finish_reason,
        )
        self.journal.add_exchange(
            exchange, call.entry("llm_call", model, **_reply_fields(exchange))
        )
        self.journal.run.add_usage(call.step, usage)
        ticket = self.journal.save_soon()
        # The transcript line above already makes the reply crash-safe; waiting for state.json
        # only when the saver falls behind keeps a save per call off the critical path.
        if self.journal.backlog > self.max_unsaved:
            await self.journal.wait_saved(ticket)
        self._announce(call, model, usage, latency, False)
        return response.model_copy(update={"usage": usage, "latency_s": latency})

    def _reuse(self, call: _Call, answered: LLMExchange) -> LLMResponse:
        """The reply already given in this run to the very same prompt, recorded for ``key`` at
        no cost: asking again would pay for the same question (and, sampling greedily, get the
        same answer)."""
        self.replayed += 1
        exchange = answered.model_copy(
            update={
                "step": call.step,
                "key": call.key,
                "usage": Usage(),
                "latency_s": 0.0,
                "timestamp": time.time(),
            }
        )
        reused = f"{answered.step}/{answered.key}"
        entry = call.entry("llm_call", exchange.model, **_reply_fields(exchange), reused=reused)
        self.journal.add_exchange(exchange, entry)
        self.journal.save_soon()
        self._announce(call, exchange.model, exchange.usage, 0.0, True)
        return LLMResponse(
            text=exchange.reply,
            usage=exchange.usage,
            model=exchange.model,
            latency_s=0.0,
            finish_reason=exchange.finish_reason,
        )

    def _announce(
        self, call: _Call, model: str, usage: Usage, latency: float, replayed: bool
    ) -> None:
        self.emit(
            EventType.LLM_CALL_FINISHED,
            call.step,
            key=call.key,
            model=model,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cost_usd=usage.cost_usd,
            latency_s=latency,
            replayed=replayed,
        )


@dataclass(frozen=True)
class _Call:
    """One call as the ledger records it: where it was made, the fingerprint of its prompt, the
    prompt with secrets masked and the options scrubbed."""

    step: str
    key: str
    digest: str
    messages: list[Message]
    clean: dict[str, Any]

    def entry(self, type: str, model: str, **fields: Any) -> dict[str, Any]:
        """The transcript line of this call (``llm_call`` or ``llm_error``)."""
        return {
            "type": type,
            "step": self.step,
            "key": self.key,
            "fingerprint": self.digest,
            "model": model,
            "messages": [m.model_dump() for m in self.messages],
            "options": self.clean,
            **fields,
        }


def _reply_fields(exchange: LLMExchange) -> dict[str, Any]:
    """What an ``llm_call`` line holds of the reply, besides the call itself."""
    return {
        "reply": exchange.reply,
        "usage": exchange.usage.model_dump(),
        "latency_s": exchange.latency_s,
        "finish_reason": exchange.finish_reason,
    }


def _masked(message: Message) -> Message:
    """``message`` with known secrets masked (the same object when it holds none)."""
    content = mask_secrets(message.content)
    return (
        message if content == message.content else message.model_copy(update={"content": content})
    )

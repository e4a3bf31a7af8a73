"""The :class:`LLMIntegration` for OpenAI and OpenAI-compatible servers.

Imported only from :meth:`OpenAIProvider.create`, so the ``openai`` package loads on first use.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

import openai

from autobyteus_core import (
    ConfigurationError,
    LLMAuthenticationError,
    LLMError,
    LLMIntegration,
    LLMProviderUnavailableError,
    LLMRateLimitError,
    LLMResponse,
    LLMResponseError,
    LLMTimeoutError,
    Message,
    ModelNotFoundError,
    StreamChunk,
    Usage,
    get_logger,
)
from autobyteus_openai.error_mapping import CallTarget, translate
from autobyteus_openai.prices import cost_usd, price_for
from autobyteus_openai.rate_limiter import RateLimiter
from autobyteus_openai.retry_policy import RetryPolicy
from autobyteus_openai.settings import API_KEY_HELP, OpenAISettings
from autobyteus_openai.token_count import estimate_prompt_tokens, estimate_tokens

T = TypeVar("T")

#: Errors this plugin retries itself (when the error's ``retryable`` flag agrees).
RETRIED_ERRORS: tuple[type[LLMError], ...] = (
    LLMRateLimitError,
    LLMTimeoutError,
    LLMProviderUnavailableError,
)

#: Provider-neutral options passed through to the server when given.
PASSTHROUGH_OPTIONS = ("seed", "stop", "top_p", "presence_penalty", "frequency_penalty")


class OpenAIIntegration(LLMIntegration):
    """Chat completions through ``openai.AsyncOpenAI``.

    The SDK's own retries are off: this class retries 429, 5xx, timeouts and connection errors
    with :class:`RetryPolicy`, paces calls with one :class:`RateLimiter` for requests and one for
    tokens (shared by every coroutine using this integration; the registry keeps one integration
    per model id), and turns every other failure into a typed error from
    :mod:`llm.errors`.
    """

    def __init__(self, model_id: str, model: str, settings: OpenAISettings) -> None:
        """An integration for ``model`` (without the ``openai:`` prefix)."""
        super().__init__(model_id)
        self.model = model
        self._settings = settings
        self._price = price_for(model, settings.prices)
        self._policy = RetryPolicy(
            max_retries=settings.max_retries,
            base_delay=settings.retry_base_delay,
            max_delay=settings.retry_max_delay,
            max_retry_after=settings.max_retry_after,
        )
        rpm, tpm = settings.requests_per_minute, settings.tokens_per_minute
        self.request_limiter = RateLimiter(rpm) if rpm else None
        self.token_limiter = RateLimiter(tpm) if tpm else None
        self._target = CallTarget(
            server=settings.server,
            model=model,
            timeout=settings.timeout,
            has_key=settings.api_key is not None,
            secret=settings.api_key,
        )
        # Real OpenAI wants max_completion_tokens (reasoning models reject max_tokens); the
        # compatible servers (vLLM, Ollama, llama.cpp, LM Studio) know max_tokens.
        self._max_tokens_field = "max_tokens" if settings.base_url else "max_completion_tokens"
        self._client: openai.AsyncOpenAI | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None
        self._closer: AsyncGenerator[None, None] | None = None
        self._log = get_logger(provider="openai", model=model_id)

    def __repr__(self) -> str:
        return f"OpenAIIntegration(model_id={self.model_id!r}, server={self._settings.server!r})"

    # -- public API -------------------------------------------------------------------------------

    async def complete(self, messages: Sequence[Message], **options: Any) -> LLMResponse:
        """Send ``messages`` and return the whole reply with its usage and cost."""
        body = self._request_body(messages, options, stream=False)
        reserved = self._token_estimate(messages, body)
        started = time.monotonic()
        completion = await self._call(lambda c: c.chat.completions.create(**body), reserved)
        try:
            choice = completion.choices[0]
            text = choice.message.content or ""
            finish_reason = choice.finish_reason
        except (AttributeError, IndexError, KeyError, TypeError) as exc:
            raise LLMResponseError(
                f"{self._settings.server} sent a reply without a message ({exc!r}); check that "
                "the base URL points at an OpenAI-compatible chat completions server"
            ) from None
        usage = self._usage(messages, text, getattr(completion, "usage", None))
        self._settle(reserved, usage)
        return LLMResponse(
            text=text,
            usage=usage,
            model=self.model_id,
            latency_s=time.monotonic() - started,
            finish_reason=finish_reason,
        )

    async def stream(
        self, messages: Sequence[Message], **options: Any
    ) -> AsyncIterator[StreamChunk]:
        """Yield the reply as the server sends it, then a ``done`` chunk with usage and cost.

        Usage comes from the server's final chunk when it sends one, and is counted otherwise.
        A stream that breaks off raises :class:`LLMResponseError` (it is not retried: part of the
        reply was already delivered).
        """
        body = self._request_body(messages, options, stream=True)
        reserved = self._token_estimate(messages, body)
        started = time.monotonic()
        response_stream = await self._call(lambda c: c.chat.completions.create(**body), reserved)
        parts: list[str] = []
        finish_reason: str | None = None
        server_usage: Any = None
        failure: Exception | None = None
        try:
            async for chunk in response_stream:
                server_usage = getattr(chunk, "usage", None) or server_usage
                for choice in getattr(chunk, "choices", None) or []:
                    piece = choice.delta.content if choice.delta is not None else None
                    if piece:
                        parts.append(piece)
                        yield StreamChunk(text=piece)
                    finish_reason = choice.finish_reason or finish_reason
        except Exception as exc:
            failure = exc
        finally:
            await response_stream.close()
        if failure is not None:
            error = translate(failure, self._target)
            if error is None:
                raise failure
            raise self._broken_stream(parts, str(error)) from self._safe_cause(failure)
        if finish_reason is None:
            raise self._broken_stream(parts, "it ended without a finish reason")
        text = "".join(parts)
        usage = self._usage(messages, text, server_usage)
        self._settle(reserved, usage)
        response = LLMResponse(
            text=text,
            usage=usage,
            model=self.model_id,
            latency_s=time.monotonic() - started,
            finish_reason=finish_reason,
        )
        yield StreamChunk(done=True, response=response)

    async def list_remote_model_ids(self) -> list[str]:
        """The ids of the models the server reports on ``/v1/models``."""
        page = await self._call(lambda c: c.models.list(), 0, explain_missing_model=False)
        return sorted(model.id for model in page.data)

    async def aclose(self) -> None:
        """Close the HTTP client (one made on another event loop is closed by that loop's
        shutdown, see :meth:`_client_for_this_loop`)."""
        closer, loop = self._closer, self._client_loop
        self._client, self._client_loop, self._closer = None, None, None
        if closer is not None and loop is asyncio.get_running_loop():
            await closer.aclose()

    # -- calls, retries and pacing ----------------------------------------------------------------

    async def _client_for_this_loop(self) -> openai.AsyncOpenAI:
        """One client per event loop: HTTP connection pools cannot move between loops.

        Each client is closed on its own loop before that loop ends: an async generator held
        here, parked at its ``yield``, is finalised by the loop's ``shutdown_asyncgens`` (which
        ``asyncio.run`` calls) while the loop still runs. A client dropped unclosed instead
        makes aiohttp print "Unclosed client session" when it is collected."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            settings = self._settings
            if settings.api_key is None and settings.base_url is None:
                raise LLMAuthenticationError(
                    f"no API key is configured for {settings.server}. Set {API_KEY_HELP}; for "
                    "a local OpenAI-compatible server set AUTOBYTEUS_OPENAI__BASE_URL instead"
                )
            key = settings.api_key.get_secret_value() if settings.api_key else "unused"
            self._client = openai.AsyncOpenAI(
                api_key=key,
                base_url=settings.server,
                organization=settings.organization,
                timeout=settings.timeout,
                max_retries=0,
                http_client=_http_client(settings),
            )
            self._client_loop = loop
            self._closer = _closed_at_shutdown(self._client)
            await anext(self._closer)
            # The SDK imports its resources on first access; do it now, not inside a slot of
            # the rate limiter.
            _ = (self._client.chat.completions, self._client.models)
        return self._client

    async def _call(
        self,
        request: Callable[[openai.AsyncOpenAI], Awaitable[T]],
        tokens: int,
        *,
        explain_missing_model: bool = True,
    ) -> T:
        """Run ``request`` under the limiters, retrying what is worth retrying."""
        client = await self._client_for_this_loop()
        retries = 0
        while True:
            await self._pace(tokens)
            try:
                return await request(client)
            except Exception as exc:
                failure = exc
            # Decided outside the except block, so a typed error does not drag the SDK's
            # exception (which may quote the key) along as its __context__.
            error = translate(failure, self._target)
            if error is None:
                raise failure
            delay = self._retry_delay(error, retries)
            if delay is None:
                if isinstance(error, ModelNotFoundError) and explain_missing_model:
                    error = await self._explain_missing_model(error)
                if retries:
                    error.args = (f"{error} (gave up after {retries + 1} attempts)",)
                raise error from self._safe_cause(failure)
            self._log.warning(
                "openai_retry",
                attempt=retries + 1,
                wait_s=round(delay, 3),
                error=type(error).__name__,
                reason=str(error)[:300],
            )
            await asyncio.sleep(delay)
            retries += 1

    def _retry_delay(self, error: LLMError, retries: int) -> float | None:
        """The wait before retrying after ``error``, or None to give up."""
        if not (isinstance(error, RETRIED_ERRORS) and error.retryable):
            return None
        retry_after = error.retry_after_s if isinstance(error, LLMRateLimitError) else None
        return self._policy.delay(retries, retry_after)

    def _safe_cause(self, failure: BaseException) -> BaseException | None:
        """``failure`` to chain as the cause, unless its message quotes the API key."""
        text = str(failure)
        return None if self._target.scrub(text) != text else failure

    async def _pace(self, tokens: int) -> None:
        waited = 0.0
        if self.request_limiter is not None:
            waited += await self.request_limiter.acquire(1)
        if self.token_limiter is not None and tokens > 0:
            waited += await self.token_limiter.acquire(tokens)
        if waited > 1.0:
            self._log.debug("openai_rate_limiter_wait", wait_s=round(waited, 3))

    def _settle(self, reserved: int, usage: Usage) -> None:
        """Correct the token booking with the tokens actually used."""
        if self.token_limiter is not None:
            self.token_limiter.adjust(usage.total_tokens - reserved)

    async def _explain_missing_model(self, error: ModelNotFoundError) -> ModelNotFoundError:
        """Name the models the server has, when it says which."""
        try:
            page = await (await self._client_for_this_loop()).models.list()
            available = sorted(model.id for model in page.data)
        except Exception:  # the listing is only a hint; keep the original message
            return error
        if not available or self.model in available:
            return error
        shown = ", ".join(available[:20]) + (", ..." if len(available) > 20 else "")
        return ModelNotFoundError(
            f"{self._target.server} has no model {self.model!r}; it serves: {shown}. Choose "
            "one with --model openai:<name> or AUTOBYTEUS_OPENAI__DEFAULT_MODEL"
        )

    # -- requests and replies ---------------------------------------------------------------------

    def _request_body(
        self, messages: Sequence[Message], options: dict[str, Any], *, stream: bool
    ) -> dict[str, Any]:
        settings = self._settings
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
        }
        temperature = options.get("temperature", settings.temperature)
        if temperature is not None:
            body["temperature"] = temperature
        max_tokens = options.get("max_tokens", settings.max_tokens)
        if max_tokens is not None:
            body[self._max_tokens_field] = max_tokens
        for name in PASSTHROUGH_OPTIONS:
            if options.get(name) is not None:
                body[name] = options[name]
        if stream:
            body["stream"] = True
            if settings.stream_usage:
                body["stream_options"] = {"include_usage": True}
        return body

    def _token_estimate(self, messages: Sequence[Message], body: dict[str, Any]) -> int:
        """Tokens to book with the token limiter before the call: the prompt and, when capped,
        the longest reply."""
        prompt = estimate_prompt_tokens(m.content for m in messages)
        return prompt + int(body.get(self._max_tokens_field) or 0)

    def _usage(self, messages: Sequence[Message], text: str, server_usage: Any) -> Usage:
        """The server's usage when it sent one, otherwise a count (see ``token_count``)."""
        prompt = getattr(server_usage, "prompt_tokens", None)
        completion = getattr(server_usage, "completion_tokens", None)
        if not isinstance(prompt, int) or not isinstance(completion, int):
            prompt = estimate_prompt_tokens(m.content for m in messages)
            completion = estimate_tokens(text)
        return Usage(
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost_usd=cost_usd(self._price, prompt, completion),
            calls=1,
        )

    def _broken_stream(self, parts: list[str], why: str) -> LLMResponseError:
        received = sum(len(p) for p in parts)
        return LLMResponseError(
            f"the streamed reply from {self._target.server} (model {self.model}) broke off after "
            f"{received} characters: {why}. The reply is incomplete; run the step again"
        )


def _http_client(settings: OpenAISettings) -> openai.DefaultAioHttpClient | None:
    """The SDK's aiohttp client, or None for its own httpx one."""
    if settings.http_transport != "aiohttp":
        return None
    try:
        return openai.DefaultAioHttpClient(timeout=settings.timeout)
    except RuntimeError as exc:  # the SDK's way of saying aiohttp is not installed
        raise ConfigurationError(
            "the openai plugin's http_transport is aiohttp, but aiohttp is not installed: "
            "`pip install 'openai[aiohttp]'`, or set AUTOBYTEUS_OPENAI__HTTP_TRANSPORT=httpx"
        ) from exc


async def _closed_at_shutdown(client: openai.AsyncOpenAI) -> AsyncGenerator[None, None]:
    """Wait at ``yield`` until closed (by ``aclose`` or the loop's shutdown), then close
    ``client``."""
    try:
        yield
    finally:
        await client.close()

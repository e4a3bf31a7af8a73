"""Turns errors of the ``openai`` SDK into the core's typed LLM errors, with messages that say
what to do. Imported only once the SDK is needed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import openai
from pydantic import SecretStr

from autobyteus_core import (
    LLMAuthenticationError,
    LLMBadRequestError,
    LLMContextLengthError,
    LLMError,
    LLMProviderUnavailableError,
    LLMRateLimitError,
    LLMResponseError,
    LLMTimeoutError,
    ModelNotFoundError,
)
from autobyteus_openai.retry_policy import parse_retry_after
from autobyteus_openai.settings import API_KEY_HELP

#: HTTP statuses worth retrying besides 5xx.
RETRYABLE_STATUSES = frozenset({408, 409, 429})

SECRET_MASK = "**********"


@dataclass(frozen=True)
class CallTarget:
    """What a call was aimed at, for messages. ``secret`` is scrubbed from every message."""

    server: str
    model: str
    timeout: float
    has_key: bool
    secret: SecretStr | None = field(default=None, repr=False)

    def scrub(self, text: str) -> str:
        """``text`` with the API key masked, in case a server echoed it."""
        secret = self.secret.get_secret_value() if self.secret is not None else ""
        return text.replace(secret, SECRET_MASK) if len(secret) >= 4 else text


def server_message(exc: openai.APIError) -> str:
    """The error message the server sent (without the SDK's ``Error code: ...`` prefix)."""
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    return str(exc.message)


def translate(exc: BaseException, target: CallTarget) -> LLMError | None:
    """The typed error for an SDK or decoding error; None for anything else (cancellation,
    programming errors), which the caller re-raises unchanged.

    The returned error's ``retryable`` says whether this plugin retries it; rate-limit errors
    carry the server's ``retry_after_s``.
    """
    error = _translate(exc, target)
    if error is not None:
        error.args = (target.scrub(str(error)),)
    return error


def _translate(exc: BaseException, target: CallTarget) -> LLMError | None:
    where = f"{target.server} (model {target.model})"
    if isinstance(exc, openai.APITimeoutError) and not _refused_connection(exc):
        return LLMTimeoutError(
            f"no reply from {where} within {target.timeout:g} s; raise the timeout "
            "(AUTOBYTEUS_OPENAI__TIMEOUT) or use a faster model"
        )
    if isinstance(exc, openai.APIConnectionError):
        cause = f": {exc.__cause__}" if exc.__cause__ else ""
        return LLMProviderUnavailableError(
            f"cannot reach {target.server}{cause}. Is the server running? Check "
            "AUTOBYTEUS_OPENAI__BASE_URL or OPENAI_BASE_URL"
        )
    if isinstance(exc, openai.APIStatusError):
        return _translate_status(exc, target, where)
    if isinstance(exc, (openai.APIResponseValidationError, json.JSONDecodeError)):
        return LLMResponseError(
            f"{where} answered with something that is not a valid OpenAI reply ({exc}); check "
            "that the base URL points at an OpenAI-compatible server"
        )
    if isinstance(exc, openai.OpenAIError):
        return LLMResponseError(f"{where} failed: {exc}")
    return None


def _refused_connection(exc: BaseException) -> bool:
    """Whether a refused or reset connection is behind ``exc``: the aiohttp transport reports a
    refused connection as a connect timeout, which it is not."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, ConnectionError):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _translate_status(exc: openai.APIStatusError, target: CallTarget, where: str) -> LLMError:
    status = exc.status_code
    said = f"HTTP {status}: {server_message(exc)}"
    if status == 401:
        if not target.has_key:
            return LLMAuthenticationError(
                f"{where} requires an API key and none is configured ({said}). Set it in "
                f"{API_KEY_HELP}"
            )
        return LLMAuthenticationError(
            f"{where} rejected the API key ({said}). Check the key set in {API_KEY_HELP}"
        )
    if status == 403:
        return LLMAuthenticationError(
            f"{where} refused access ({said}). The key may lack access to this model or "
            "organization: check AUTOBYTEUS_OPENAI__ORGANIZATION or choose another model"
        )
    if status == 404:
        return ModelNotFoundError(
            f"{where} does not serve model {target.model!r} ({said}). `autobyteus models "
            "--remote` lists the models it has; check AUTOBYTEUS_OPENAI__BASE_URL too"
        )
    if status == 429:
        if exc.code == "insufficient_quota" or exc.type == "insufficient_quota":
            error = LLMRateLimitError(
                f"{where}: the account is out of quota ({said}). Check the plan and billing "
                "details of the key's account; retrying will not help"
            )
            error.retryable = False
            return error
        retry_after = parse_retry_after(exc.response.headers)
        hint = f"; the server asked to wait {retry_after:g} s" if retry_after is not None else ""
        return LLMRateLimitError(
            f"{where} is rate limiting us ({said}){hint}. Lower "
            "AUTOBYTEUS_OPENAI__REQUESTS_PER_MINUTE / TOKENS_PER_MINUTE or max_concurrency, "
            "or raise AUTOBYTEUS_OPENAI__MAX_RETRIES",
            retry_after_s=retry_after,
        )
    if status >= 500 or status in RETRYABLE_STATUSES:
        return LLMProviderUnavailableError(
            f"{where} failed ({said}). Check the server's status, or raise "
            "AUTOBYTEUS_OPENAI__MAX_RETRIES"
        )
    message = server_message(exc)
    if exc.code == "context_length_exceeded" or "context length" in message.lower():
        return LLMContextLengthError(
            f"the prompt does not fit the context of model {target.model!r} ({said}). Shorten "
            "the requirement or choose a model with a larger context"
        )
    return LLMBadRequestError(
        f"{where} rejected the request ({said}). Check the model and the options "
        "(temperature, max_tokens)"
    )

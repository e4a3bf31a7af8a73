"""Typed LLM errors. Every message tells the user what to do about it."""

from __future__ import annotations

from autobyteus_core.errors import AutobyteusError


class LLMError(AutobyteusError):
    """Base class of every error raised by an LLM integration."""

    #: Whether retrying the same request later may succeed.
    retryable: bool = False


class LLMAuthenticationError(LLMError):
    """The provider rejected the credentials (HTTP 401/403)."""


class LLMRateLimitError(LLMError):
    """The provider asked us to slow down (HTTP 429)."""

    retryable = True

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class LLMTimeoutError(LLMError):
    """The request took longer than the configured timeout."""

    retryable = True


class LLMBadRequestError(LLMError):
    """The request was invalid: unknown model, prompt too long for the context, bad option."""


class LLMContextLengthError(LLMBadRequestError):
    """The prompt does not fit in the model's context window."""


class LLMProviderUnavailableError(LLMError):
    """The provider could not be reached or failed (connection error, HTTP 5xx)."""

    retryable = True


class LLMResponseError(LLMError):
    """The provider answered with something that is not a valid reply (malformed JSON, cut stream)."""

    retryable = True


class ModelNotFoundError(LLMBadRequestError):
    """A model id names no registered provider or no model the provider knows."""

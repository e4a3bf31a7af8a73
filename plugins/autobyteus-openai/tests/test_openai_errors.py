"""Every failure reaches the user as the right typed error, with a message saying what to do,
and the API key never shows anywhere."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from autobyteus_openai.openai_integration import OpenAIIntegration
from autobyteus_openai.settings import OpenAISettings
from autobyteus_openai.testing import OpenAIServer, ScriptedReply

from autobyteus_core import (
    LLMAuthenticationError,
    LLMBadRequestError,
    LLMContextLengthError,
    LLMError,
    LLMProviderUnavailableError,
    Message,
    ModelNotFoundError,
    configure_logging,
)

MakeLLM = Callable[..., OpenAIIntegration]
PROMPT = [Message.user("hello")]


async def test_wrong_key_says_which_settings_hold_it(server: OpenAIServer, make_llm: MakeLLM):
    llm = make_llm(api_key="sk-wrong-key-0000", max_retries=3)

    with pytest.raises(LLMAuthenticationError) as caught:
        await llm.complete(PROMPT)

    message = str(caught.value)
    assert "rejected the API key" in message and "HTTP 401" in message
    assert "AUTOBYTEUS_OPENAI__API_KEY" in message and "OPENAI_API_KEY" in message
    assert [r.status for r in server.completion_requests] == [401]  # never retried


async def test_missing_key_for_a_server_that_needs_one(server: OpenAIServer, make_llm: MakeLLM):
    llm = make_llm(api_key=None)

    with pytest.raises(LLMAuthenticationError, match="none is configured"):
        await llm.complete(PROMPT)


async def test_no_key_and_no_server_fails_before_any_request(openai_settings) -> None:
    llm = OpenAIIntegration(
        "openai:gpt-4o-mini", "gpt-4o-mini", openai_settings(api_key=None, base_url=None)
    )

    with pytest.raises(LLMAuthenticationError) as caught:
        await llm.complete(PROMPT)

    assert "OPENAI_API_KEY" in str(caught.value)
    assert "AUTOBYTEUS_OPENAI__BASE_URL" in str(caught.value)


async def test_unknown_model_lists_the_models_the_server_has(
    server: OpenAIServer, make_llm: MakeLLM
):
    server.models = ["llama-3.1-8b", "qwen2.5-coder"]
    llm = make_llm("gpt-4o-mini", max_retries=2)

    with pytest.raises(ModelNotFoundError) as caught:
        await llm.complete(PROMPT)

    message = str(caught.value)
    assert "no model 'gpt-4o-mini'" in message
    assert "llama-3.1-8b, qwen2.5-coder" in message
    assert "AUTOBYTEUS_OPENAI__DEFAULT_MODEL" in message
    assert [(r.method, r.path, r.status) for r in server.requests] == [
        ("POST", "/v1/chat/completions", 404),
        ("GET", "/v1/models", 200),
    ]


async def test_context_length_error(server: OpenAIServer, make_llm: MakeLLM):
    server.queue(
        ScriptedReply.bad_request(
            "This model's maximum context length is 8192 tokens.", code="context_length_exceeded"
        )
    )

    with pytest.raises(LLMContextLengthError, match="does not fit the context"):
        await make_llm().complete(PROMPT)


async def test_other_bad_request(server: OpenAIServer, make_llm: MakeLLM):
    server.queue(ScriptedReply.bad_request("temperature must be at most 2"))

    with pytest.raises(LLMBadRequestError, match="temperature must be at most 2") as caught:
        await make_llm().complete(PROMPT)

    assert type(caught.value) is LLMBadRequestError
    assert len(server.completion_requests) == 1


async def test_forbidden_is_an_authentication_error(server: OpenAIServer, make_llm: MakeLLM):
    server.queue(ScriptedReply.fault(403, "Project does not have access to model"))

    with pytest.raises(LLMAuthenticationError, match="refused access"):
        await make_llm().complete(PROMPT)


async def test_api_key_never_appears_in_errors_logs_reprs_or_state(
    server: OpenAIServer,
    make_llm: MakeLLM,
    api_key: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
):
    # A careless server echoes the key in its error messages.
    server.queue(
        ScriptedReply.fault(500, f"backend failed for key {api_key}"),
        ScriptedReply.fault(401, f"Incorrect API key provided: {api_key}"),
    )
    configure_logging("json", "DEBUG")
    caplog.set_level(logging.DEBUG)
    llm = make_llm(max_retries=1)

    with pytest.raises(LLMError) as caught:
        await llm.complete(PROMPT)

    error = caught.value
    assert isinstance(error, LLMAuthenticationError)
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None:
        chain.append(current)
        assert current.__context__ is None or current.__context__ is current.__cause__
        current = current.__cause__
    settings = llm._settings
    seen = [
        *(str(e) for e in chain),
        *(repr(e) for e in chain),
        repr(llm),
        repr(settings),
        str(settings),
        settings.model_dump_json(),
        json.dumps(settings.model_dump(mode="json")),
        capsys.readouterr().err,
        caplog.text,
    ]
    assert "**********" in str(error)
    assert "openai_retry" in seen[-2]  # the retry was logged, as structlog JSON
    for text in seen:
        assert api_key not in text


def test_key_is_secret_in_settings(api_key: str):
    settings = OpenAISettings(api_key=api_key)
    assert api_key not in repr(settings)
    assert settings.api_key is not None and settings.api_key.get_secret_value() == api_key


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_unreachable_server_without_retries(dead_url: str, make_llm: MakeLLM, transport: str):
    with pytest.raises(LLMProviderUnavailableError, match="Is the server running"):
        await make_llm(base_url=dead_url, max_retries=0, http_transport=transport).complete(PROMPT)

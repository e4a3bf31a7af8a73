"""Retries with backoff, as the loopback server's request log shows them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from autobyteus_openai.openai_integration import OpenAIIntegration
from autobyteus_openai.retry_policy import RetryPolicy, parse_retry_after
from autobyteus_openai.testing import OpenAIServer, ScriptedReply

from autobyteus_core import LLMProviderUnavailableError, LLMRateLimitError, LLMTimeoutError, Message

MakeLLM = Callable[..., OpenAIIntegration]
PROMPT = [Message.user("hello")]


async def test_server_errors_are_retried_until_success(server: OpenAIServer, make_llm: MakeLLM):
    server.queue(ScriptedReply.server_error(500), ScriptedReply.server_error(503), "finally")
    llm = make_llm(max_retries=2)

    response = await llm.complete(PROMPT)

    assert response.text == "finally"
    assert [r.status for r in server.completion_requests] == [500, 503, 200]


async def test_retries_stop_after_max_retries(server: OpenAIServer, make_llm: MakeLLM):
    server.queue(*[ScriptedReply.server_error()] * 3, "never served")
    llm = make_llm(max_retries=2)

    with pytest.raises(LLMProviderUnavailableError) as caught:
        await llm.complete(PROMPT)

    assert [r.status for r in server.completion_requests] == [500, 500, 500]
    assert server.pending == 1
    message = str(caught.value)
    assert "HTTP 500" in message and "gave up after 3 attempts" in message
    assert "AUTOBYTEUS_OPENAI__MAX_RETRIES" in message


async def test_max_retries_zero_sends_one_request(server: OpenAIServer, make_llm: MakeLLM):
    server.queue(ScriptedReply.server_error(), "never served")
    llm = make_llm(max_retries=0)

    with pytest.raises(LLMProviderUnavailableError):
        await llm.complete(PROMPT)

    assert len(server.completion_requests) == 1


async def test_backoff_grows_exponentially(server: OpenAIServer, make_llm: MakeLLM):
    server.queue(*[ScriptedReply.server_error()] * 3, "ok")
    llm = make_llm(max_retries=3, retry_base_delay=0.1, retry_max_delay=10.0)

    await llm.complete(PROMPT)

    gaps = server.gaps()
    # equal jitter: retry n waits at least half of base * 2**n
    assert len(gaps) == 3
    for n, gap in enumerate(gaps):
        assert gap >= 0.1 * 2**n / 2


async def test_rate_limit_honours_retry_after(server: OpenAIServer, make_llm: MakeLLM):
    server.queue(ScriptedReply.rate_limited(retry_after_s=1), "after waiting")
    llm = make_llm(max_retries=1, retry_base_delay=0.0)

    response = await llm.complete(PROMPT)

    assert response.text == "after waiting"
    assert [r.status for r in server.completion_requests] == [429, 200]
    # the backoff alone would have retried at once; the server's Retry-After held it back
    assert server.gaps()[0] >= 1.0


async def test_retry_after_ms_header_is_honoured(server: OpenAIServer, make_llm: MakeLLM):
    server.queue(ScriptedReply.rate_limited(None, retry_after_ms=400), "ok")
    llm = make_llm(max_retries=1, retry_base_delay=0.0)

    await llm.complete(PROMPT)

    assert server.gaps()[0] >= 0.4


async def test_exhausted_rate_limit_reports_retry_after(server: OpenAIServer, make_llm: MakeLLM):
    server.queue(ScriptedReply.rate_limited(retry_after_s=0.05), ScriptedReply.rate_limited(7))
    llm = make_llm(max_retries=1)

    with pytest.raises(LLMRateLimitError) as caught:
        await llm.complete(PROMPT)

    assert caught.value.retry_after_s == 7
    assert "REQUESTS_PER_MINUTE" in str(caught.value)
    assert len(server.completion_requests) == 2


async def test_retry_after_beyond_the_limit_fails_at_once(server: OpenAIServer, make_llm: MakeLLM):
    server.queue(ScriptedReply.rate_limited(retry_after_s=600), "not reached")
    llm = make_llm(max_retries=3, max_retry_after=60)

    with pytest.raises(LLMRateLimitError) as caught:
        await llm.complete(PROMPT)

    assert caught.value.retry_after_s == 600
    assert len(server.completion_requests) == 1


async def test_exhausted_quota_is_not_retried(server: OpenAIServer, make_llm: MakeLLM):
    server.queue(ScriptedReply.quota_exceeded(), "not reached")
    llm = make_llm(max_retries=3)

    with pytest.raises(LLMRateLimitError, match="out of quota") as caught:
        await llm.complete(PROMPT)

    assert caught.value.retryable is False
    assert len(server.completion_requests) == 1


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_slow_reply_times_out_and_is_retried(
    server: OpenAIServer, make_llm: MakeLLM, transport: str
):
    server.queue(ScriptedReply.slow(5), ScriptedReply.slow(5), "not reached")
    llm = make_llm(timeout=0.3, max_retries=1, http_transport=transport)

    with pytest.raises(LLMTimeoutError) as caught:
        await llm.complete(PROMPT)

    assert len(server.completion_requests) == 2
    assert "within 0.3 s" in str(caught.value)
    assert "AUTOBYTEUS_OPENAI__TIMEOUT" in str(caught.value)


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_connection_errors_are_retried(dead_url: str, make_llm: MakeLLM, transport: str):
    llm = make_llm(base_url=dead_url, max_retries=2, http_transport=transport)

    with pytest.raises(LLMProviderUnavailableError) as caught:
        await llm.complete(PROMPT)

    message = str(caught.value)
    assert f"cannot reach {dead_url}" in message
    assert "gave up after 3 attempts" in message
    assert "OPENAI_BASE_URL" in message


async def test_cut_json_body_is_retried_as_a_connection_error(
    server: OpenAIServer, make_llm: MakeLLM
):
    server.queue(ScriptedReply(text="lost", cut_after_chunks=0), "whole")
    llm = make_llm(max_retries=1)

    assert (await llm.complete(PROMPT)).text == "whole"
    assert len(server.completion_requests) == 2


def test_retry_policy_delays():
    policy = RetryPolicy(max_retries=3, base_delay=1.0, max_delay=3.0, jitter=lambda: 1.0)
    assert [policy.delay(n) for n in range(4)] == [1.0, 2.0, 3.0, None]
    low = RetryPolicy(max_retries=3, base_delay=1.0, max_delay=3.0, jitter=lambda: 0.0)
    assert [low.delay(n) for n in range(3)] == [0.5, 1.0, 1.5]
    assert policy.delay(0, retry_after=9.0) == 9.0
    assert RetryPolicy(max_retries=3, max_retry_after=5).delay(0, retry_after=9.0) is None


def test_parse_retry_after_forms():
    assert parse_retry_after({"Retry-After": "3"}) == 3.0
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    date = "Wed, 21 Oct 2015 07:28:10 GMT"
    assert parse_retry_after({"Retry-After": date}, now=lambda: 1445412480.0) == 10.0
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None

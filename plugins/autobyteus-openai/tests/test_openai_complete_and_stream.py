"""complete() and stream() through the real openai client against the loopback server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import openai
import pytest
from autobyteus_openai.openai_integration import OpenAIIntegration
from autobyteus_openai.prices import price_for
from autobyteus_openai.testing import OpenAIServer, ScriptedReply
from autobyteus_openai.token_count import estimate_prompt_tokens, estimate_tokens

from autobyteus_core import ConfigurationError, LLMResponseError, Message

MakeLLM = Callable[..., OpenAIIntegration]

PROMPT = [Message.system("You write Python."), Message.user("Write hello world")]


async def test_aiohttp_is_the_default_transport(server: OpenAIServer, make_llm: MakeLLM):
    server.queue("hi")
    llm = make_llm()

    assert (await llm.complete(PROMPT)).text == "hi"
    assert isinstance((await llm._client_for_this_loop())._client, openai.DefaultAioHttpClient)


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_complete_returns_text_usage_and_cost(
    server: OpenAIServer, make_llm: MakeLLM, transport: str
):
    server.queue(ScriptedReply(text="print('hello')", prompt_tokens=1200, completion_tokens=300))
    llm = make_llm("gpt-4o-mini", http_transport=transport)

    response = await llm.complete(PROMPT)

    assert response.text == "print('hello')"
    assert response.model == "openai:gpt-4o-mini"
    assert response.finish_reason == "stop"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (1200, 300)
    assert response.usage.calls == 1
    # gpt-4o-mini: $0.15 / $0.60 per million tokens
    assert response.usage.cost_usd == pytest.approx((1200 * 0.15 + 300 * 0.60) / 1e6)
    (request,) = server.completion_requests
    assert request.body["messages"] == [
        {"role": "system", "content": "You write Python."},
        {"role": "user", "content": "Write hello world"},
    ]
    assert request.body["model"] == "gpt-4o-mini"
    assert not request.stream


async def test_user_price_overrides_and_unknown_prices(server: OpenAIServer, make_llm: MakeLLM):
    server.models = ["gpt-4o-mini", "my-local-model"]
    server.queue(
        ScriptedReply(text="a", prompt_tokens=1_000_000, completion_tokens=1_000_000),
        ScriptedReply(text="b", prompt_tokens=10, completion_tokens=10),
    )
    priced = make_llm("gpt-4o-mini", prices={"gpt-4o-mini": {"input": 1.0, "output": 2.0}})
    unpriced = make_llm("my-local-model")

    assert (await priced.complete(PROMPT)).usage.cost_usd == pytest.approx(3.0)
    assert (await unpriced.complete(PROMPT)).usage.cost_usd is None


def test_dated_snapshot_uses_base_price():
    assert price_for("gpt-4o-mini-2024-07-18", {}) == price_for("gpt-4o-mini", {})
    assert price_for("some-unknown-model", {}) is None


async def test_settings_and_call_options_reach_the_server(server: OpenAIServer, make_llm: MakeLLM):
    server.queue("one", "two")
    llm = make_llm(temperature=0.3, max_tokens=200)

    await llm.complete(PROMPT)
    await llm.complete(PROMPT, temperature=0.0, max_tokens=50, seed=7, unknown_option="ignored")

    first, second = (r.body for r in server.completion_requests)
    assert (first["temperature"], first["max_tokens"]) == (0.3, 200)
    assert (second["temperature"], second["max_tokens"], second["seed"]) == (0.0, 50, 7)
    assert "unknown_option" not in second


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_stream_yields_pieces_and_takes_usage_from_final_chunk(
    server: OpenAIServer, make_llm: MakeLLM, transport: str
):
    server.queue(
        ScriptedReply(
            text="def f():\n    return 1\n",
            chunks=["def f():\n", "    return 1\n"],
            prompt_tokens=40,
            completion_tokens=9,
        )
    )
    llm = make_llm(http_transport=transport)

    chunks = [chunk async for chunk in llm.stream(PROMPT)]

    assert [c.text for c in chunks[:-1]] == ["def f():\n", "    return 1\n"]
    final = chunks[-1]
    assert final.done and final.response is not None
    assert final.response.text == "def f():\n    return 1\n"
    assert (final.response.usage.prompt_tokens, final.response.usage.completion_tokens) == (40, 9)
    assert final.response.usage.cost_usd == pytest.approx((40 * 0.15 + 9 * 0.60) / 1e6)
    (request,) = server.completion_requests
    assert request.stream
    assert request.body["stream_options"] == {"include_usage": True}


async def test_stream_without_usage_chunk_counts_tokens(server: OpenAIServer, make_llm: MakeLLM):
    server.stream_usage = False  # like llama.cpp's server: the usage chunk never comes
    text = "x" * 41
    server.queue(ScriptedReply(text=text, prompt_tokens=999, completion_tokens=999))
    llm = make_llm()

    chunks = [chunk async for chunk in llm.stream(PROMPT)]

    response = chunks[-1].response
    assert response is not None and response.text == text
    assert response.usage.completion_tokens == estimate_tokens(text) == 11
    assert response.usage.prompt_tokens == estimate_prompt_tokens(m.content for m in PROMPT)
    assert response.usage.cost_usd is not None


async def test_stream_usage_setting_off_sends_no_stream_options(
    server: OpenAIServer, make_llm: MakeLLM
):
    server.queue("fine")
    llm = make_llm(stream_usage=False)

    chunks = [chunk async for chunk in llm.stream(PROMPT)]

    assert chunks[-1].response is not None and chunks[-1].response.text == "fine"
    assert "stream_options" not in server.completion_requests[0].body


async def test_cut_stream_raises_response_error(server: OpenAIServer, make_llm: MakeLLM):
    server.queue(ScriptedReply.cut("first second third", after_chunks=1))
    llm = make_llm()
    received: list[str] = []

    with pytest.raises(LLMResponseError, match="broke off after 6 characters") as caught:
        async for chunk in llm.stream(PROMPT):
            received.append(chunk.text)

    assert received == ["first "]
    assert "run the step again" in str(caught.value)
    assert len(server.completion_requests) == 1  # a half-delivered stream is not retried


async def test_malformed_stream_event_raises_response_error(
    server: OpenAIServer, make_llm: MakeLLM
):
    server.queue(ScriptedReply(text="one two three", malformed=True))
    llm = make_llm()

    with pytest.raises(LLMResponseError, match="broke off"):
        async for _ in llm.stream(PROMPT):
            pass


async def test_malformed_json_reply_raises_response_error(server: OpenAIServer, make_llm: MakeLLM):
    server.queue(ScriptedReply.malformed_json(), "not reached")
    llm = make_llm()

    with pytest.raises(LLMResponseError, match="not a valid OpenAI reply"):
        await llm.complete(PROMPT)

    assert len(server.completion_requests) == 1
    assert server.pending == 1


async def test_integration_works_across_event_loops(server: OpenAIServer, make_llm: MakeLLM):
    """The registry caches one integration per model; a second asyncio.run must still work."""
    import asyncio
    import threading

    server.queue("from the test loop", "from another loop")
    llm = make_llm()
    assert (await llm.complete(PROMPT)).text == "from the test loop"

    result: list[str] = []
    thread = threading.Thread(
        target=lambda: result.append(asyncio.run(llm.complete(PROMPT)).text), daemon=True
    )
    thread.start()
    thread.join(timeout=30)

    assert result == ["from another loop"]


#: One integration used from three event loops in turn, as a Python caller running
#: ``asyncio.run`` per workflow (or a Ray worker per item) does; ``-X dev`` shows every
#: ResourceWarning, and aiohttp prints "Unclosed client session" even without it.
LOOPS = """
import asyncio, sys
from autobyteus_core import Message
from autobyteus_openai.openai_integration import OpenAIIntegration
from autobyteus_openai.settings import OpenAISettings

settings = OpenAISettings(api_key=sys.argv[3], base_url=sys.argv[1], http_transport=sys.argv[2])
llm = OpenAIIntegration("openai:gpt-4o-mini", "gpt-4o-mini", settings)
clients = []

async def ask():
    print((await llm.complete([Message.user("hi")])).text)
    clients.append(await llm._client_for_this_loop())

asyncio.run(ask())
asyncio.run(ask())
print("first client closed:", clients[0].is_closed())
asyncio.run(ask())
asyncio.run(llm.aclose())
"""


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_a_client_is_closed_with_its_event_loop(server: OpenAIServer, api_key: str, transport: str):
    server.default_reply = "hello"
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-c", LOOPS, server.url, transport, api_key],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["hello", "hello", "first client closed: True"]
    assert "nclosed" not in done.stderr, done.stderr


async def test_aiohttp_missing_is_a_clear_configuration_error(
    server: OpenAIServer, make_llm: MakeLLM, monkeypatch: pytest.MonkeyPatch, api_key: str
):
    class MissingAioHttp:  # what the SDK defines when its aiohttp extra is not installed
        def __init__(self, **_kwargs: object) -> None:
            raise RuntimeError("To use the aiohttp client you must have installed the package")

    monkeypatch.setattr(openai, "DefaultAioHttpClient", MissingAioHttp)
    with pytest.raises(ConfigurationError, match="aiohttp is not installed") as caught:
        await make_llm().complete(PROMPT)
    assert "HTTP_TRANSPORT=httpx" in str(caught.value) and api_key not in str(caught.value)
    server.queue("hi")  # httpx needs nothing more
    assert (await make_llm(http_transport="httpx").complete(PROMPT)).text == "hi"

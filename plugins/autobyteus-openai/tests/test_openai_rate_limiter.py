"""The client-side limiter: the waits it books for calls through the real SDK and HTTP, read off
a fake clock (no wall-clock gap is asserted: a busy machine shifts them either way)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from autobyteus_openai.openai_integration import OpenAIIntegration
from autobyteus_openai.rate_limiter import RateLimiter
from autobyteus_openai.testing import OpenAIServer, ScriptedReply

from autobyteus_core import Message

MakeLLM = Callable[..., OpenAIIntegration]


class FakeClock:
    """A clock that only moves when the fake sleep is awaited."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def paced(llm: OpenAIIntegration, clock: FakeClock, *, rpm: float = 0, tpm: float = 0) -> None:
    """Give ``llm`` limiters on ``clock``: the waits they book are then read off its sleeps, not
    off the wall clock (a loaded machine shifts real arrival gaps either way)."""
    if rpm:
        llm.request_limiter = RateLimiter(rpm, clock=clock, sleep=clock.sleep)
    if tpm:
        llm.token_limiter = RateLimiter(tpm, clock=clock, sleep=clock.sleep)


async def test_requests_per_minute_spaces_concurrent_calls(server: OpenAIServer, make_llm: MakeLLM):
    server.default_reply = "ok"
    clock = FakeClock()
    llm = make_llm(requests_per_minute=120)  # one request every 0.5 s
    assert llm.request_limiter is not None and llm.request_limiter.per_minute == 120
    paced(llm, clock, rpm=120)
    await llm.complete([Message.user("first")])

    await asyncio.gather(*(llm.complete([Message.user(f"task {i}")]) for i in range(3)))

    assert clock.sleeps == [0.5, 1.0, 1.5]  # each concurrent call waits for its own slot
    assert len(server.completion_requests) == 4


async def test_tokens_per_minute_books_actual_usage(server: OpenAIServer, make_llm: MakeLLM):
    # 1200 tokens/minute = 20 tokens/s. The first call is booked at its estimate (a few tokens)
    # but the server reports 30 tokens, so the second call waits 1.5 s, not the estimate's ~0.3 s.
    server.queue(
        ScriptedReply(text="a", prompt_tokens=20, completion_tokens=10),
        ScriptedReply(text="b", prompt_tokens=20, completion_tokens=10),
    )
    clock = FakeClock()
    llm = make_llm(tokens_per_minute=1200)
    assert llm.token_limiter is not None and llm.token_limiter.per_minute == 1200
    paced(llm, clock, tpm=1200)

    first = await llm.complete([Message.user("short")])
    await llm.complete([Message.user("short")])

    assert first.usage.total_tokens == 30
    assert clock.sleeps == [pytest.approx(1.5)]


async def test_limiter_is_shared_by_streams_and_completions(
    server: OpenAIServer, make_llm: MakeLLM
):
    server.default_reply = "some streamed words"
    clock = FakeClock()
    llm = make_llm(requests_per_minute=150)  # 0.4 s apart
    paced(llm, clock, rpm=150)
    await llm.complete([Message.user("first")])

    async def consume() -> str:
        chunks = [c async for c in llm.stream([Message.user("go")])]
        response = chunks[-1].response
        assert response is not None
        return response.text

    results = await asyncio.gather(consume(), llm.complete([Message.user("go")]), consume())

    assert [r if isinstance(r, str) else r.text for r in results] == ["some streamed words"] * 3
    assert clock.sleeps == [pytest.approx(0.4), pytest.approx(0.8), pytest.approx(1.2)]


async def test_rate_limiter_books_consecutive_slots():
    clock = FakeClock()
    limiter = RateLimiter(120, clock=clock, sleep=clock.sleep)

    waits = [await limiter.acquire() for _ in range(3)]

    assert waits == [0.0, 0.5, 1.0]
    assert clock.sleeps == [0.5, 1.0]


async def test_rate_limiter_amounts_and_adjustments():
    clock = FakeClock()
    limiter = RateLimiter(600, clock=clock, sleep=clock.sleep)  # 10 units per second

    assert limiter.reserve(20) == 0.0  # books 2 s
    limiter.adjust(10)  # it used 30 units: one more second
    assert limiter.reserve(1) == pytest.approx(3.0)
    limiter.adjust(-1000)  # unused units come back, but never as credit for the past
    assert limiter.reserve(1) == 0.0
    clock.now += 60
    assert limiter.reserve(5) == 0.0


def test_rate_limiter_rejects_a_zero_rate():
    with pytest.raises(ValueError):
        RateLimiter(0)

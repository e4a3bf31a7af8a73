"""The client-side limiter: gaps in the server's request log are lower bounds set by the
configured rates (never upper bounds, so a busy machine cannot make them flake)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from autobyteus_openai.openai_integration import OpenAIIntegration
from autobyteus_openai.rate_limiter import RateLimiter
from autobyteus_openai.testing import OpenAIServer, ScriptedReply

from autobyteus_core import Message

MakeLLM = Callable[..., OpenAIIntegration]

# Arrival gaps may come out a little shorter than the booked slots: the first request of a pair
# may spend a few milliseconds more between its slot and the wire than the second one. A warm-up
# call first keeps the SDK's one-time lazy imports out of the measured gaps.
SLACK = 0.05


async def test_requests_per_minute_spaces_concurrent_calls(server: OpenAIServer, make_llm: MakeLLM):
    server.default_reply = "ok"
    llm = make_llm(requests_per_minute=120)  # one request every 0.5 s
    await llm.complete([Message.user("warm-up")])

    await asyncio.gather(*(llm.complete([Message.user(f"task {i}")]) for i in range(3)))

    gaps = server.gaps()[1:]
    assert len(gaps) == 2
    assert all(gap >= 0.5 - SLACK for gap in gaps)


async def test_tokens_per_minute_books_actual_usage(server: OpenAIServer, make_llm: MakeLLM):
    # 1200 tokens/minute = 20 tokens/s. The first call is booked at its estimate (a few tokens)
    # but the server reports 30 tokens, so the second call waits ~1.5 s, not ~0.3 s.
    server.queue(
        ScriptedReply(text="a", prompt_tokens=20, completion_tokens=10),
        ScriptedReply(text="b", prompt_tokens=20, completion_tokens=10),
    )
    llm = make_llm(tokens_per_minute=1200)

    first = await llm.complete([Message.user("short")])
    await llm.complete([Message.user("short")])

    assert first.usage.total_tokens == 30
    # The limiter counts from when the client sent the first call; the server sees its arrival,
    # which a loaded machine can delay by a good part of a second. 1.0 s still tells ~1.5 s
    # (actual usage booked) from ~0.3 s (only the estimate booked).
    assert server.gaps()[0] >= 1.0


async def test_limiter_is_shared_by_streams_and_completions(
    server: OpenAIServer, make_llm: MakeLLM
):
    server.default_reply = "some streamed words"
    llm = make_llm(requests_per_minute=150)  # 0.4 s apart
    await llm.complete([Message.user("warm-up")])

    async def consume() -> str:
        chunks = [c async for c in llm.stream([Message.user("go")])]
        response = chunks[-1].response
        assert response is not None
        return response.text

    results = await asyncio.gather(consume(), llm.complete([Message.user("go")]), consume())

    assert [r if isinstance(r, str) else r.text for r in results] == ["some streamed words"] * 3
    gaps = server.gaps()[1:]
    assert len(gaps) == 2
    assert all(gap >= 0.4 - SLACK for gap in gaps)


class FakeClock:
    """A clock that only moves when the fake sleep is awaited."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


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

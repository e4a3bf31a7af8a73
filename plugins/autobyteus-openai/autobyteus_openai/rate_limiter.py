"""A client-side pacing limiter shared by every concurrent call of one integration."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable


class RateLimiter:
    """Spreads uses of a resource (requests, or tokens) evenly at ``per_minute`` on average.

    Each use of ``amount`` units books the next free slot and holds the following one back by
    ``amount * 60 / per_minute`` seconds, so with ``requests_per_minute=120`` requests leave at
    most one every 0.5 s, and with ``tokens_per_minute=60000`` a 2,000-token request holds the next
    one back by 2 s. There is no burst: the process never runs ahead of the account's limit.
    Slots are booked under a thread lock with no await inside, so the limiter works for any number
    of coroutines, on any event loop.
    """

    def __init__(
        self,
        per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        """A limiter of ``per_minute`` units per minute (must be positive)."""
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.per_minute = per_minute
        self._seconds_per_unit = 60.0 / per_minute
        self._clock = clock
        self._sleep = sleep
        self._next_free = float("-inf")
        self._lock = threading.Lock()

    def reserve(self, amount: float) -> float:
        """Book ``amount`` units now; return how many seconds the caller must wait first."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next_free)
            self._next_free = start + max(amount, 0.0) * self._seconds_per_unit
        return start - now

    async def acquire(self, amount: float = 1.0) -> float:
        """Wait for a slot for ``amount`` units; return the seconds waited."""
        wait = self.reserve(amount)
        if wait > 0:
            await self._sleep(wait)
        return wait

    def adjust(self, amount: float) -> None:
        """Correct an earlier booking by ``amount`` units (negative gives unused units back,
        though never as credit for the past)."""
        with self._lock:
            shifted = self._next_free + amount * self._seconds_per_unit
            self._next_free = max(shifted, self._clock()) if amount < 0 else shifted

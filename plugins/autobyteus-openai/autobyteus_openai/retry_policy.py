"""When to retry a failed call, and how long to wait first."""

from __future__ import annotations

import datetime
import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, honouring the server's ``Retry-After``.

    Retry ``n`` (counting from 0) waits between half and all of
    ``min(max_delay, base_delay * 2**n)`` seconds ("equal jitter"), unless the server said how
    long to wait: then exactly that, or no retry at all when it is longer than
    ``max_retry_after``.
    """

    max_retries: int
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_retry_after: float = 120.0
    jitter: Callable[[], float] = field(default=random.random, repr=False)

    def delay(self, retries_done: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if retries_done >= self.max_retries:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        cap = min(self.max_delay, self.base_delay * 2.0**retries_done)
        return cap / 2 + self.jitter() * cap / 2


def parse_retry_after(
    headers: Mapping[str, str], now: Callable[[], float] = time.time
) -> float | None:
    """Seconds the server asked us to wait: ``retry-after-ms``, else ``Retry-After`` as seconds or
    as an HTTP date; None when absent or unreadable."""
    lowered = {k.lower(): v for k, v in headers.items()}
    milliseconds = lowered.get("retry-after-ms")
    if milliseconds:
        try:
            return max(float(milliseconds) / 1000.0, 0.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" dates: UTC by definition
        when = when.replace(tzinfo=datetime.timezone.utc)
    return max(when.timestamp() - now(), 0.0)

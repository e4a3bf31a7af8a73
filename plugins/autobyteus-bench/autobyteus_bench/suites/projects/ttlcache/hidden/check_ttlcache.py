import pytest
from ttlcache import TTLCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_set_and_get() -> None:
    cache = TTLCache(2, 10, clock=Clock())
    cache.set("a", 1)
    assert cache.get("a") == 1
    assert cache.get("missing") is None
    assert cache.get("missing", "d") == "d"


def test_least_recently_used_is_dropped() -> None:
    cache = TTLCache(2, 10, clock=Clock())
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") == 1
    cache.set("c", 3)
    assert "b" not in cache
    assert cache.get("a") == 1
    assert cache.get("c") == 3
    assert len(cache) == 2


def test_replacing_a_value_refreshes_it() -> None:
    cache = TTLCache(2, 10, clock=Clock())
    cache.set("a", 1)
    cache.set("b", 2)
    cache.set("a", 10)
    cache.set("c", 3)
    assert cache.get("a") == 10
    assert "b" not in cache


def test_entries_expire_and_reads_do_not_extend_them() -> None:
    clock = Clock()
    cache = TTLCache(5, 10, clock=clock)
    cache.set("a", 1)
    clock.now += 9.5
    assert cache.get("a") == 1
    clock.now += 0.5
    assert cache.get("a") is None
    assert "a" not in cache
    assert len(cache) == 0


def test_contains_does_not_touch_recency() -> None:
    cache = TTLCache(2, 10, clock=Clock())
    cache.set("a", 1)
    cache.set("b", 2)
    assert "a" in cache
    cache.set("c", 3)
    assert "a" not in cache
    assert "b" in cache


@pytest.mark.parametrize(("capacity", "ttl"), [(0, 1), (-1, 1), (1, 0), (1, -5)])
def test_bad_arguments(capacity: int, ttl: float) -> None:
    with pytest.raises(ValueError):
        TTLCache(capacity, ttl)


def test_default_clock() -> None:
    from ttlcache.clock import monotonic

    first = monotonic()
    assert monotonic() >= first
    cache = TTLCache(1, 60)
    cache.set("k", "v")
    assert cache.get("k") == "v"

"""Replies are parsed off the event loop, in daemon threads that are kept for the next reply;
a parse that never ends keeps only its own thread."""

from __future__ import annotations

import asyncio
import threading

import pytest
from autobyteus_coding_steps.exchange import off_loop


async def test_parses_run_in_a_daemon_thread_kept_for_the_next_one() -> None:
    seen: list[threading.Thread] = []

    def parse(text: str) -> str:
        seen.append(threading.current_thread())
        return text.upper()

    assert await off_loop(parse, "a") == "A"
    started = parse_threads()
    assert [await off_loop(parse, text) for text in "bcdef"] == list("BCDEF")
    assert parse_threads() == started  # idle threads took them: none was started per reply
    assert all(thread is not threading.main_thread() and thread.daemon for thread in seen)


def parse_threads() -> set[threading.Thread]:
    """The parse threads alive now."""
    return {t for t in threading.enumerate() if t.name == "autobyteus-parse"}


async def test_a_parse_that_never_ends_holds_up_no_other() -> None:
    release = threading.Event()
    stuck = asyncio.ensure_future(off_loop(lambda text: release.wait(), "hostile"))
    await asyncio.sleep(0)
    assert await off_loop(str.strip, "  fine  ") == "fine"
    assert not stuck.done()
    release.set()
    assert await stuck is True


async def test_a_parse_error_is_raised_in_the_caller() -> None:
    def parse(text: str) -> str:
        raise ValueError(f"cannot read {text}")

    with pytest.raises(ValueError, match="cannot read this"):
        await off_loop(parse, "this")

"""End to end: the default coding workflow runs through the ``openai`` provider, the real
``openai`` client and the loopback server, which plays the model."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from autobyteus_openai.rate_limiter import RateLimiter
from autobyteus_openai.testing import OpenAIServer, RecordedRequest, ScriptedReply

pytest.importorskip("autobyteus_coding_steps.plugin")

from autobyteus_coding_steps import CodingTests

REQUIREMENT = (
    "Write a Python package `wordcount` with a module `wordcount/counter.py` that defines "
    "`count_words(text: str) -> int`, returning the number of whitespace-separated words."
)

IMPLEMENTATION = '''```python
"""Counting words."""


def count_words(text: str) -> int:
    """The number of whitespace-separated words in ``text``."""
    return len(text.split())
```
'''

TESTS = """```python
from wordcount.counter import count_words


def test_counts_words():
    assert count_words("a b  c") == 3


def test_empty_text_has_no_words():
    assert count_words("") == 0
```
"""


def _words(text: str) -> int:
    return len(text.split())


def _served_usage(request: RecordedRequest) -> tuple[int, int]:
    """The usage the loopback server reported for a successful request (word counts)."""
    assert request.reply is not None
    prompt = sum(_words(m["content"]) for m in request.body["messages"])
    return prompt, _words(request.reply.text)


async def test_default_workflow_through_the_openai_provider(
    server: OpenAIServer, api_key: str, workspace: Path, monkeypatch: pytest.MonkeyPatch
):
    import autobyteus_coding_steps.plugin as coding_steps_plugin
    import autobyteus_openai.plugin as openai_plugin

    from autobyteus_core import Application, AutomatedCodingWorkflow, WorkflowStatus

    # A one-file requirement is used as given and planned without a call: the first call
    # writes the module. It is rate limited once: the provider retries it after the Retry-After.
    implementing = r"You are implementing (one subtask|a python project)"
    server.on(implementing, ScriptedReply.rate_limited(retry_after_s=0.2), times=1)
    server.on(implementing, IMPLEMENTATION)
    server.on("Write pytest tests", TESTS)
    monkeypatch.setenv("AUTOBYTEUS_OPENAI__BASE_URL", server.url)
    monkeypatch.setenv("OPENAI_API_KEY", api_key)
    monkeypatch.setenv("AUTOBYTEUS_OPENAI__RETRY_BASE_DELAY", "0.01")
    monkeypatch.setenv("AUTOBYTEUS_OPENAI__REQUESTS_PER_MINUTE", "600")  # 0.1 s apart
    app = Application(entry_points=False)
    app.add_plugin(openai_plugin, "openai")
    app.add_plugin(coding_steps_plugin, "coding_steps")
    # The slots the request limiter booked, on its own clock: when the server saw each request
    # depends on scheduling, and a test must not time a loaded machine.
    booked: list[float] = []
    reserve = RateLimiter.reserve

    def recorded(self: RateLimiter, amount: float) -> float:
        clock, seen = self._clock, []
        self._clock = lambda: seen.append(clock()) or seen[-1]  # the "now" it books from
        try:
            wait = reserve(self, amount)
        finally:
            self._clock = clock
        booked.append(seen[0] + wait)
        return wait

    monkeypatch.setattr(RateLimiter, "reserve", recorded)

    workflow = AutomatedCodingWorkflow(app=app, workspace=workspace)
    try:
        await workflow.start(REQUIREMENT)
    finally:
        await app.llm.aclose()

    assert workflow.status is WorkflowStatus.SUCCEEDED, workflow.run_state.error
    assert workflow.model_id == "openai:gpt-4o-mini"  # the default, from the configured server
    assert (workspace / "wordcount" / "counter.py").read_text().count("def count_words") == 1
    assert any(path.startswith("tests/") for path in workflow.state.output(CodingTests).test_files)

    requests = server.completion_requests
    assert [r.status for r in requests][:2] == [429, 200]
    assert all(r.status == 200 for r in requests[1:])
    assert len(booked) == len(requests)  # every request, the retried one too, took a slot
    assert all(b - a >= 0.1 - 1e-6 for a, b in itertools.pairwise(booked))
    served = [_served_usage(r) for r in requests if r.status == 200]
    prompt_tokens = sum(p for p, _ in served)
    completion_tokens = sum(c for _, c in served)
    usage = workflow.usage
    assert (usage.prompt_tokens, usage.completion_tokens) == (prompt_tokens, completion_tokens)
    assert usage.cost_usd == pytest.approx((prompt_tokens * 0.15 + completion_tokens * 0.60) / 1e6)
    saved = [p for p in workflow.run_dir.rglob("*") if p.is_file()]
    assert saved  # the run was recorded ...
    for path in saved:  # ... and the key is nowhere in it
        assert api_key not in path.read_text(errors="replace")
    assert api_key not in json.dumps([r.headers for r in requests])

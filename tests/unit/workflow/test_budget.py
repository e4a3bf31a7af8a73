"""Parsing and checking budgets."""

from __future__ import annotations

import pytest

from autobyteus_core.llm.usage import Usage
from autobyteus_core.workflow.call_ledger import Budget


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20000", Budget(tokens=20000)),
        ("20k", Budget(tokens=20000)),
        ("1.5M", Budget(tokens=1_500_000)),
        ("20_000 tokens", Budget(tokens=20000)),
        ("$0.50", Budget(usd=0.5)),
        ("$ 2", Budget(usd=2.0)),
        ("0.5$", Budget(usd=0.5)),
        ("3usd", Budget(usd=3.0)),
    ],
)
def test_parse(text: str, expected: Budget) -> None:
    assert Budget.parse(text) == expected


@pytest.mark.parametrize("text", ["", "lots", "-5", "$-1", "0", "$0", "5 euros"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="budget"):
        Budget.parse(text)


def test_refusal_counts_calls_in_flight() -> None:
    spent = Usage(prompt_tokens=60, completion_tokens=20, calls=2)
    budget = Budget(tokens=100)
    assert budget.refusal(spent, committed=0, estimate=20) is None
    reason = budget.refusal(spent, committed=10, estimate=20)
    assert reason is not None and "over the budget of 100 tokens" in reason
    assert Budget().refusal(spent, committed=10**9, estimate=10**9) is None


def test_dollar_refusal_uses_the_observed_price() -> None:
    spent = Usage(prompt_tokens=80, completion_tokens=20, cost_usd=0.10, calls=1)
    budget = Budget(usd=0.15)
    assert budget.refusal(spent, committed=0, estimate=40) is None  # about $0.14
    assert budget.refusal(spent, committed=0, estimate=60) is not None  # about $0.16
    assert Budget(usd=0.10).refusal(spent, committed=0, estimate=0) is not None

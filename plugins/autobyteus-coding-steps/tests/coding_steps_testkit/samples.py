"""Sample replies shared by the coding-steps tests (imported; not a test module)."""

from __future__ import annotations

from autobyteus_coding_steps import Subtask

COUNTER_SOURCE = '''\
"""Counting words."""

import re


def count_words(text: str) -> dict[str, int]:
    """How often each lower-cased word occurs in ``text``."""
    counts: dict[str, int] = {}
    for word in re.findall(r"[a-z']+", text.lower()):
        counts[word] = counts.get(word, 0) + 1
    return counts
'''

TOP_SOURCE = '''\
"""The most frequent words."""

from wordfreq.counter import count_words


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    """The ``n`` most frequent words, most frequent first, ties alphabetical."""
    counts = count_words(text)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]
'''

COUNTER_TESTS = """\
from wordfreq.counter import count_words


def test_counts_words_case_insensitively() -> None:
    assert count_words("The cat and the hat") == {"the": 2, "cat": 1, "and": 1, "hat": 1}


def test_empty_text() -> None:
    assert count_words("") == {}
"""

TOP_TESTS = """\
from wordfreq.top import top_words


def test_top_words_orders_by_count_then_word() -> None:
    assert top_words("b a b c a b", 2) == [("b", 3), ("a", 2)]
"""

PLAN_REPLY = """\
#### Task 1: Implement the `count_words` Function
#task start#
- **Objective**: Count how often each word occurs.
- **File Specification**: `wordfreq/counter.py`
- **Functionality Details**: `count_words(text: str) -> dict[str, int]`, lower-cased words.
- **Integration Points**: None.
#task end#

#### Task 2: Implement the `top_words` Function
#task start#
- **Objective**: Return the most frequent words.
- **File Specification**: `wordfreq/top.py`
- **Functionality Details**: `top_words(text, n)` returns the `n` most common `(word, count)`.
- **Integration Points**: Uses `count_words` from `wordfreq/counter.py` (Task 1).
#task end#
"""


def fenced(content: str, language: str = "python") -> str:
    """``content`` in a fenced block, as a model would reply."""
    return f"Here is the file:\n\n```{language}\n{content}```\n"


def subtask(
    number: int, path: str | None, *, depends_on: list[int] | None = None, **fields: str
) -> Subtask:
    """A subtask writing ``path``."""
    return Subtask(
        number=number,
        title=fields.pop("title", f"Task {number}"),
        objective=fields.pop("objective", f"Write {path}"),
        files=[path] if path else [],
        depends_on=depends_on or [],
        **fields,
    )

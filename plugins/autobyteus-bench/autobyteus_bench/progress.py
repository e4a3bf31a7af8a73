"""Progress of a bench run: a rich bar with the running pass rate on a terminal, plain lines
on standard error otherwise."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any


def describe(record: dict[str, Any]) -> str:
    """One finished task, in a line."""
    verdict = "passed" if record.get("hidden_passed") else "failed"
    tests = f"{record.get('hidden_tests_passed', 0)}/{record.get('hidden_tests_total', 0)}"
    tokens = record.get("prompt_tokens", 0) + record.get("completion_tokens", 0)
    return (
        f"{record['arm']} {record['task']}: {verdict} ({tests} hidden tests), "
        f"{record.get('calls', 0)} calls, {tokens} tokens, {record.get('wall_s', 0):.1f} s"
    )


class BenchProgress:
    """Counts finished tasks and passes; shows them as a bar or as lines."""

    def __init__(self, total: int, *, live: bool | None = None) -> None:
        self.total = total
        self.done = 0
        self.passed = 0
        self.live = sys.stderr.isatty() if live is None else live
        self._progress: Any = None
        self._bar: Any = None

    def rate(self) -> str:
        """The running pass rate."""
        share = f" ({self.passed / self.done:.0%})" if self.done else ""
        return f"pass {self.passed}/{self.done}{share}"

    def __enter__(self) -> BenchProgress:
        if self.live:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("bench"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                console=Console(stderr=True),
            )  # fmt: skip
            self._progress.start()
            self._bar = self._progress.add_task("bench", total=self.total, rate=self.rate())
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def handle(self, record: dict[str, Any]) -> None:
        """Count one finished record and show it."""
        self.done += 1
        self.passed += bool(record.get("hidden_passed"))
        if self._progress is not None:
            self._progress.console.print(describe(record))
            self._progress.update(self._bar, advance=1, rate=self.rate())
        else:
            print(f"[{self.done}/{self.total}] {describe(record)}; {self.rate()}", file=sys.stderr)

"""What a parser says about a reply: the problems it found and whether the reply is usable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ParseIssue:
    """One problem found in an LLM reply.

    ``message`` says what is wrong in words the model (and a person) can act on; ``excerpt``
    quotes the offending part of the reply; ``line`` is its 1-based line number when known.
    A ``fatal`` issue makes the reply unusable; a non-fatal one is a note that is logged and kept
    in the step's output, so nothing is ever dropped without saying so. A ``soft`` fatal issue is
    a quality problem (a test importing a name the code lacks, say) rather than a broken reply:
    it is re-asked like any other, but on the last attempt the reply is taken anyway, with the
    issue kept as a note, so that later steps (the import check, the fix rounds) can deal with it.
    """

    message: str
    excerpt: str = ""
    line: int | None = None
    fatal: bool = True
    soft: bool = False

    def describe(self) -> str:
        """One line: the message, where it is, and the quoted excerpt."""
        where = f" (line {self.line})" if self.line is not None else ""
        quoted = f": {self.excerpt!r}" if self.excerpt else ""
        return f"{self.message}{where}{quoted}"


@dataclass
class ParseResult(Generic[T]):
    """A parsed value (``None`` when nothing usable was found) and every issue met on the way."""

    value: T | None = None
    issues: list[ParseIssue] = field(default_factory=list)

    @property
    def errors(self) -> list[ParseIssue]:
        """The fatal issues."""
        return [issue for issue in self.issues if issue.fatal]

    @property
    def notes(self) -> list[ParseIssue]:
        """The non-fatal issues."""
        return [issue for issue in self.issues if not issue.fatal]

    @property
    def ok(self) -> bool:
        """Whether the reply is usable: a value and no fatal issue."""
        return self.value is not None and not self.errors

    @property
    def acceptable_at_last(self) -> bool:
        """Whether the reply has a value and only soft fatal issues (usable as a last resort)."""
        return self.value is not None and all(issue.soft for issue in self.errors)

    def report(self) -> str:
        """Every issue, one per line, fatal ones first."""
        ordered = self.errors + self.notes
        return "\n".join(
            f"- {'error' if issue.fatal else 'note'}: {issue.describe()}" for issue in ordered
        )

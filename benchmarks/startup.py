"""Start-up: ``autobyteus --help`` and ``autobyteus plugins`` against ``llm --help``.

Every first-party plugin must be installed in the project's venv (``autobyteus-openai``,
``autobyteus-llamacpp``, ``autobyteus-coding-steps``, ``autobyteus-bench``, ``autobyteus-ray``).
The baseline, the ``llm`` package, lives in its own virtualenv under ``benchmarks/.cache/llm-venv``
(created with pip on the first run, reused afterwards). The commands run interleaved, each at
least 10 times; the medians and their ratios are printed. Then ``python -X importtime`` lists how many modules each autobyteus command
imports and the heaviest ones by cumulative time, so a regression is easy to find.

Goal: ``autobyteus --help`` and ``autobyteus plugins`` each at most half of ``llm --help``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from _common import CACHE, VENV_BIN, header, median, ms, timed_run, verdict

FIRST_PARTY = (
    "autobyteus-openai",
    "autobyteus-llamacpp",
    "autobyteus-coding-steps",
    "autobyteus-bench",
    "autobyteus-ray",
)
GOAL_RATIO = 0.5
LLM_VENV = CACHE / "llm-venv"


@dataclass(frozen=True)
class Import:
    """One line of ``-X importtime``: a module and its own and cumulative import time."""

    module: str
    depth: int
    self_us: int
    cumulative_us: int


def missing_plugins() -> list[str]:
    """First-party plugin distributions not installed in this interpreter's environment."""
    missing = []
    for name in FIRST_PARTY:
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    return missing


def llm_executable() -> Path:
    """``llm`` in its own virtualenv, created (``pip install llm``) when missing."""
    llm = LLM_VENV / "bin" / "llm"
    if llm.exists():
        return llm
    print(f"creating {LLM_VENV} with `pip install llm` (once; reused afterwards)...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(LLM_VENV)], check=True)
    subprocess.run(
        [str(LLM_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "llm"], check=True
    )
    return llm


def clean_environment(home: Path) -> dict[str, str]:
    """The environment of the timed commands: no autobyteus or llm variables, and a throw-away
    user folder for llm."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AUTOBYTEUS_", "LLM_"))
    }
    env["LLM_USER_PATH"] = str(home)
    return env


def parse_importtime(stderr: str) -> list[Import]:
    """The modules of a ``-X importtime`` report, in import order."""
    found = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        own, cumulative, name = line[len("import time:") :].split("|", 2)
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        found.append(Import(name.strip(), depth, int(own), int(cumulative)))
    return found


def import_report(argv: Sequence[str], env: dict[str, str], top: int) -> tuple[int, list[Import]]:
    """How many modules ``argv`` (an autobyteus command) imports, and the ``top`` heaviest
    top-level imports by cumulative time."""
    script = VENV_BIN / "autobyteus"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(script), *argv],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    imports = parse_importtime(done.stderr)
    roots = sorted((i for i in imports if i.depth == 0), key=lambda i: -i.cumulative_us)
    return len(imports), roots[:top]


def main(runs: int, top: int) -> None:
    """Measure and print."""
    header("start-up: autobyteus --help / plugins vs llm --help")
    missing = missing_plugins()
    if missing:
        raise SystemExit(
            f"first-party plugins missing from {sys.prefix}: {', '.join(missing)}; install them "
            "with `.venv/bin/pip install -e plugins/<name>`"
        )
    llm = llm_executable()
    autobyteus = VENV_BIN / "autobyteus"
    llm_version = subprocess.run(
        [str(llm), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    print(f"plugins installed: {', '.join(FIRST_PARTY)}; baseline: {llm_version}")
    commands = {
        "autobyteus --help": [str(autobyteus), "--help"],
        "autobyteus plugins": [str(autobyteus), "plugins"],
        "llm --help": [str(llm), "--help"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory(prefix="autobyteus-startup-") as home:
        env = clean_environment(Path(home))
        for argv in commands.values():  # one untimed round: warm the OS file cache
            timed_run(argv, env=env)
        for _ in range(runs):
            for name, argv in commands.items():
                times[name].append(timed_run(argv, env=env))
        medians = {name: median(values) for name, values in times.items()}
        baseline = medians["llm --help"]
        print(f"median of {runs} interleaved runs each:")
        for name, value in medians.items():
            spread = f"min {ms(min(times[name]))}, max {ms(max(times[name]))}"
            ratio = "" if name == "llm --help" else f"  = {value / baseline:.2f}x llm --help"
            print(f"  {name:20} {ms(value):>8}  ({spread}){ratio}")
        for argv in (["--help"], ["plugins"]):
            count, heaviest = import_report(argv, env, top)
            print(f"\nautobyteus {' '.join(argv)} imports {count} modules; heaviest top-level:")
            for item in heaviest:
                print(
                    f"  {item.cumulative_us / 1000:7.1f} ms cumulative "
                    f"{item.self_us / 1000:6.1f} ms self  {item.module}"
                )
    help_ratio = medians["autobyteus --help"] / baseline
    plugins_ratio = medians["autobyteus plugins"] / baseline
    print(
        f"\nSUMMARY startup: autobyteus --help {ms(medians['autobyteus --help'])}, "
        f"plugins {ms(medians['autobyteus plugins'])}, llm --help {ms(baseline)}; "
        f"--help = {help_ratio:.2f}x llm, plugins = {plugins_ratio:.2f}x llm "
        f"(goal <= {GOAL_RATIO} for both: {verdict(max(help_ratio, plugins_ratio) <= GOAL_RATIO)})"
    )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each command")
    parser.add_argument("--top", type=int, default=12, help="heaviest imports listed")
    parser.add_argument("--quick", action="store_true", help="3 runs each")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs = 3
    return args


if __name__ == "__main__":
    options = parse_args(sys.argv[1:])
    main(options.runs, options.top)

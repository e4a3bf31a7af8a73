"""Helpers shared by the benchmark scripts: machine description, medians, subprocess timing.

Each benchmark is a script run alone (``.venv/bin/python benchmarks/<name>.py``); this module is
imported from the script's own folder (``sys.path[0]``), so it needs no installation.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

#: The repository root (benchmarks/ is one level below it).
ROOT = Path(__file__).resolve().parent.parent
#: Where benchmarks keep what they may reuse between runs (git-ignored).
CACHE = Path(__file__).resolve().parent / ".cache"
#: The project's own interpreter and console scripts (the one running this script).
VENV_BIN = Path(sys.executable).parent


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (or the platform's description)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    """One line describing where the figures were taken."""
    load = ""
    if hasattr(os, "getloadavg"):
        load = f", load {os.getloadavg()[0]:.2f}"
    return (
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs ({cpu_model()}), "
        f"Python {platform.python_version()}{load}"
    )


def header(title: str) -> None:
    """Print the benchmark's title and the machine line."""
    print(f"== {title}")
    print(f"machine: {machine()}")


def median(values: Sequence[float]) -> float:
    """The median of ``values``."""
    return statistics.median(values)


def timed_run(
    argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> float:
    """Run ``argv`` to completion (output discarded) and return its wall time in seconds;
    a non-zero exit raises with the command's error output."""
    started = time.perf_counter()
    done = subprocess.run(
        list(argv),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(env) if env is not None else None,
        cwd=cwd,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} exited with {done.returncode}:\n"
            + done.stderr.decode(errors="replace")[-2000:]
        )
    return elapsed


def ms(seconds: float) -> str:
    """``seconds`` as milliseconds, for printing."""
    return f"{seconds * 1000:.0f} ms"


def verdict(met: bool) -> str:
    """``met`` or ``MISSED``."""
    return "met" if met else "MISSED"

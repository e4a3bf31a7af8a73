"""The benchmark scripts still run: each one, with ``--quick``, as ``python benchmarks/<x>.py``
in a subprocess, exits 0 and ends with its one ``SUMMARY <name>:`` line.

No figure is checked (the machine is shared): only that the scripts finish and summarise. Each
script drives the real thing (the default workflow, the openai plugin against the loopback
server, ``autobyteus run``/``resume`` subprocesses; start-up also builds the ``llm`` baseline
venv under ``benchmarks/.cache`` on its first run, with pip).
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution

import pytest

from tests import REPO

BENCHMARKS = REPO / "benchmarks"

#: script → the plugin distributions it needs.
SCRIPTS = {
    "startup": (
        "autobyteus-openai",
        "autobyteus-llamacpp",
        "autobyteus-coding-steps",
        "autobyteus-bench",
        "autobyteus-ray",
    ),
    "overhead": ("autobyteus-coding-steps",),
    "concurrency": ("autobyteus-coding-steps", "autobyteus-openai"),
    "resume": ("autobyteus-coding-steps", "autobyteus-openai"),
    "sandbox": (),
    "batch": ("autobyteus-coding-steps", "autobyteus-openai", "autobyteus-ray"),
}


def _missing(dists: tuple[str, ...]) -> list[str]:
    missing = []
    for dist in dists:
        try:
            distribution(dist)
        except PackageNotFoundError:
            missing.append(dist)
    return missing


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        pytest.param("startup", marks=pytest.mark.venv),
        "overhead",
        "concurrency",
        "resume",
        "sandbox",
        "batch",
    ],
)
def test_benchmark_runs_and_summarises(name: str) -> None:
    missing = _missing(SCRIPTS[name])
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / f"{name}.py"), "--quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines, done.stderr[-3000:]
    assert lines[-1].startswith(f"SUMMARY {name}:"), lines[-5:]
    assert sum(line.startswith("SUMMARY") for line in lines) == 1
    if name == "resume":  # not a timing: the promise that no answered call is paid for twice
        assert "re-issued 0 answered calls" in lines[-1], "\n".join(lines[-12:])

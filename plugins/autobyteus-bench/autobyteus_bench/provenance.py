"""Which code a bench record measured, so a table built over several sessions says when it
mixes versions (figures of two versions are two measurements, not one)."""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

#: The distributions whose code decides a bench figure.
MEASURED = ("autobyteus-core", "autobyteus-coding-steps", "autobyteus-bench")


def code_version(source: Path | None = None) -> str:
    """``git:<commit>`` (``+dirty`` with uncommitted changes to tracked files) when the core
    runs from a git checkout, as an editable install does; else the measured distributions'
    versions (``autobyteus-core 0.1.0, ...``)."""
    if source is None:
        import autobyteus_core

        source = Path(autobyteus_core.__file__).parent
    commit = _git(source, "rev-parse", "HEAD")
    if commit:
        dirty = _git(source, "status", "--porcelain", "--untracked-files=no")
        return f"git:{commit[:12]}" + ("+dirty" if dirty else "")
    return ", ".join(f"{dist} {_version(dist)}" for dist in MEASURED)


def _git(folder: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def code_line(records: Iterable[dict[str, Any]]) -> str:
    """The report's line on the code measured: one version, or each with its count of task
    runs when the records mix versions (records from before versions were kept count as
    ``unknown``)."""
    counts = Counter(str(r.get("code") or "unknown") for r in records)
    if len(counts) <= 1:
        return f"Code: {next(iter(counts), 'unknown')}."
    parts = ", ".join(
        f"{code} ({n} task run{'s' if n != 1 else ''})" for code, n in counts.most_common()
    )
    return f"Code: **several versions**, {parts}: the figures mix measurements."

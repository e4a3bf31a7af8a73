"""``make demo``: run the default workflow offline on the bundled requirement, then report.

Runs ``autobyteus run`` with the local default model (``llamacpp:qwen2.5-coder-1.5b``, no API key,
no network) on ``examples/temperature_requirement.md`` in a fresh workspace, then prints where the
files went, the plan, the test results, each step's status (with the parse reports of any reply
that was rejected) and the usage. Whatever the model writes, the demo ends with the run's status;
its exit code is the run's (0 succeeded, 1 failed, 3 stopped).

    python examples/run_demo.py [--workspace DIR] [--model ID] [--requirement FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_REQUIREMENT = HERE / "temperature_requirement.md"
DEFAULT_MODEL = "llamacpp:qwen2.5-coder-1.5b"
#: Settings written into the demo workspace (``autobyteus.toml``).
DEMO_SETTINGS = HERE / "demo_settings.toml"
#: Variables that could send the run to a remote model; the demo is offline by design.
REMOTE_VARIABLES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AUTOBYTEUS_MODEL")


def autobyteus(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``autobyteus`` CLI of this interpreter, capturing its output."""
    return subprocess.run(
        [sys.executable, "-m", "autobyteus_core.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def fresh_workspace(requested: Path | None) -> Path:
    """An empty folder for the run: ``requested`` (created if missing) or a new temporary one."""
    if requested is None:
        return Path(tempfile.mkdtemp(prefix="autobyteus-demo-"))
    requested = requested.expanduser().absolute()
    if requested.exists() and any(requested.iterdir()):
        raise SystemExit(f"demo: {requested} is not empty; give a new or empty folder")
    requested.mkdir(parents=True, exist_ok=True)
    return requested


def heading(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 70 - len(title)))


def indent(text: str, prefix: str = "    ") -> str:
    return textwrap.indent(text.rstrip(), prefix)


def run_details(workspace: Path) -> dict[str, Any] | None:
    """``autobyteus show --json`` of the newest run in ``workspace``, or None if there is none."""
    listed = autobyteus("runs", "--json", "--workspace", str(workspace))
    try:
        runs = json.loads(listed.stdout or "[]")
    except ValueError:
        runs = []
    if not runs:
        return None
    newest = max(runs, key=lambda run: run.get("created_at", 0))
    shown = autobyteus("show", newest["run_id"], "--json", "--workspace", str(workspace))
    try:
        details: dict[str, Any] = json.loads(shown.stdout)
    except ValueError:
        return None
    return details


def print_files(workspace: Path, details: dict[str, Any]) -> None:
    heading(f"Files written in {workspace}")
    writes: dict[str, list[dict[str, Any]]] = {}
    for written in details.get("files", []):
        writes.setdefault(str(written.get("path", "?")), []).append(written)
    if not writes:
        print("    (no files)")
    for path, history in sorted(writes.items()):
        times = f", written {len(history)} times" if len(history) > 1 else ""
        print(f"    {workspace / path}  ({history[-1].get('bytes', '?')} bytes{times})")


def print_plan(details: dict[str, Any]) -> None:
    heading("Plan")
    subtasks = details.get("subtasks", [])
    if not subtasks:
        print("    (no plan was made)")
    for subtask in subtasks:
        title = subtask.get("title") or subtask.get("objective", "")
        depends = ", ".join(str(n) for n in subtask.get("depends_on", []))
        print(f"    {subtask.get('number', '?')}. {title}")
        if subtask.get("files"):
            print(f"       files: {', '.join(subtask['files'])}")
        if depends:
            print(f"       after: {depends}")


def print_tests(details: dict[str, Any]) -> None:
    heading("Test results")
    results = details.get("test_results", [])
    if not results:
        print("    (the tests did not run)")
    for result in results:
        verdict = "passed" if result.get("passed") else "failed"
        if result.get("timed_out"):
            verdict = "timed out"
        counts = result.get("counts") or ""
        print(
            f"    round {result.get('round', '?')}: {result.get('phase', 'tests')} {verdict}"
            f" {counts}".rstrip()
        )
        if result.get("blamed_files"):
            print(f"       blamed: {', '.join(map(str, result['blamed_files']))}")
    if results and not results[-1].get("passed"):
        tail = str(results[-1].get("output", "")).strip().splitlines()[-15:]
        if tail:
            print("    last output:")
            print(indent("\n".join(tail), "      | "))


def print_steps(details: dict[str, Any]) -> None:
    heading("Steps")
    for step in details.get("steps", []):
        line = f"    {step.get('id')}: {step.get('status')}"
        if step.get("summary"):
            line += f" - {step['summary']}"
        print(line)
        if step.get("error"):
            print(indent(str(step["error"]), "        "))


def print_usage(details: dict[str, Any]) -> None:
    heading("Usage")
    usage = details.get("usage", {})
    print(
        f"    {usage.get('total_tokens', 0)} tokens ({usage.get('prompt_tokens', 0)} prompt, "
        f"{usage.get('completion_tokens', 0)} completion) in {usage.get('calls', 0)} LLM calls "
        f"with {details.get('model')}; cost ${usage.get('cost_usd') or 0:.2f}"
    )


def report(workspace: Path, details: dict[str, Any]) -> None:
    """Everything the demo promises to show about the run."""
    print_files(workspace, details)
    print_plan(details)
    print_tests(details)
    print_steps(details)
    print_usage(details)
    heading("Status")
    print(f"    run {details.get('run_id')}: {details.get('status')}")
    if details.get("error"):
        print(indent(str(details["error"]).splitlines()[0]))
    print(f"    state and transcript: {workspace / '.autobyteus' / 'runs' / details['run_id']}")


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the exit code of ``autobyteus run``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=None, help="default: a new temp dir")
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"default: {DEFAULT_MODEL}")
    parser.add_argument("--requirement", type=Path, default=DEFAULT_REQUIREMENT)
    args = parser.parse_args(argv)

    workspace = fresh_workspace(args.workspace)
    if DEMO_SETTINGS.is_file():
        (workspace / "autobyteus.toml").write_text(DEMO_SETTINGS.read_text(encoding="utf-8"))
    env = {k: v for k, v in os.environ.items() if k not in REMOTE_VARIABLES}
    print(f"autobyteus demo: {args.requirement.name} with {args.model}, offline")
    print(f"workspace: {workspace}")
    print(indent(args.requirement.read_text(encoding="utf-8")))
    print()
    sys.stdout.flush()
    command = [
        sys.executable, "-m", "autobyteus_core.cli", "run",
        "--requirement-file", str(args.requirement),
        "--workspace", str(workspace),
        "--model", args.model,
    ]  # fmt: skip
    try:
        code = subprocess.run(command, env=env, check=False).returncode
    except KeyboardInterrupt:
        code = 3
    details = run_details(workspace)
    if details is None:
        print(f"\nThe run did not start (exit code {code}); see the messages above.")
        return code or 2
    report(workspace, details)
    return code


if __name__ == "__main__":
    sys.exit(main())

"""Importing every generated module in a subprocess, before the tests run.

A missing name or a broken import between generated files shows up here as one precise line per
module (``wordfreq.cli: ImportError: cannot import name 'WordCounter' from 'wordfreq.counter'``)
instead of a wall of pytest collection errors, and is fed back to the LLM the same way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autobyteus_coding_steps.parsing.requirement_interface import StatedSignature
    from autobyteus_core import ProcessOutcome, WorkflowContext

MARKER = "@@autobyteus-import-check@@"


def api_target(module: str, name: str) -> str:
    """The target the check of one public name is reported under (the script's own spelling):
    the import a user writes."""
    return f"from {module} import {name}"


def signature_target(module: str, name: str) -> str:
    """The target the check of a stated signature is reported under."""
    return f"{module}.{name}()"


#: Runs in the subprocess: argv = [root, source root, json modules, json test files, json
#: [module, name] pairs of the public API, json [module, name, shown, required, positional,
#: keywords] of the stated signatures].
_SCRIPT = r"""
import importlib, importlib.util, inspect, json, sys, traceback
root, source_root = sys.argv[1], sys.argv[2]
modules, tests = json.loads(sys.argv[3]), json.loads(sys.argv[4])
api, signatures = json.loads(sys.argv[5]), json.loads(sys.argv[6])
for entry in (root, source_root):
    if entry not in sys.path:
        sys.path.insert(0, entry)
failures = []
def check(target, load):
    print("@@autobyteus-importing@@ " + target, flush=True)
    try:
        load()
    except BaseException as exc:
        failures.append({
            "target": target,
            "error": "".join(traceback.format_exception_only(type(exc), exc)).strip(),
            "trace": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-4:]),
        })
for name in modules:
    check(name, lambda name=name: importlib.import_module(name))
def provided(module, name):
    if not hasattr(importlib.import_module(module), name):
        raise ImportError(
            "the requirement uses `from %s import %s`, but `%s` does not provide `%s`"
            % (module, name, module, name)
        )
broken = {failure["target"] for failure in failures}
for module, name in api:
    if module not in broken:
        check("from %s import %s" % (module, name), lambda m=module, n=name: provided(m, n))
def accepts(module, name, shown, required, positional, keywords):
    found = getattr(sys.modules[module], name, None)
    if found is None or getattr(found, "__module__", None) != module:
        return  # not defined there: the checks of names say so where the requirement imports it
    try:
        actual = inspect.signature(found)
    except (TypeError, ValueError):
        return
    given = {word: None for word in keywords}
    for count in sorted({required, positional}):
        try:
            actual.bind(*[None] * count, **given)
        except TypeError as exc:
            raise TypeError(
                "the requirement gives `%s`, but `%s.%s` is `%s%s`, so a call with %d "
                "positional argument(s) fails: %s" % (shown, module, name, name, actual, count, exc)
            ) from None
for module, name, *stated in signatures:
    if module in sys.modules and module not in broken:
        check("%s.%s()" % (module, name), lambda m=module, n=name, s=stated: accepts(m, n, *s))
def load_file(index, path):
    spec = importlib.util.spec_from_file_location("_autobyteus_checked_%d" % index, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
for index, path in enumerate(tests):
    check(path, lambda index=index, path=path: load_file(index, path))
print("@@autobyteus-import-check@@" + json.dumps(failures), flush=True)
"""


@dataclass(frozen=True)
class ImportFailure:
    """One module or test file that failed to import: the error line and the end of its trace."""

    target: str
    error: str
    trace: str = ""


@dataclass(frozen=True)
class ImportCheck:
    """The result of an import check: the failures, and the raw process outcome."""

    failures: list[ImportFailure]
    process: ProcessOutcome

    @property
    def ok(self) -> bool:
        """Whether every module imported."""
        return not self.failures


def _failures(outcome: ProcessOutcome) -> list[ImportFailure]:
    for line in reversed(outcome.output.splitlines()):
        if line.startswith(MARKER):
            try:
                data = json.loads(line[len(MARKER) :])
            except ValueError:
                break
            return [ImportFailure(str(d["target"]), str(d["error"]), str(d["trace"])) for d in data]
    started = [
        line.split(" ", 1)[1]
        for line in outcome.output.splitlines()
        if line.startswith("@@autobyteus-importing@@ ")
    ]
    last = started[-1] if started else "the first module"
    why = "timed out" if outcome.timed_out else f"stopped with exit status {outcome.returncode}"
    return [ImportFailure(last, f"importing {last} {why}", outcome.output[-2000:])]


async def check_imports(
    context: WorkflowContext,
    source_root: Path,
    modules: list[str],
    test_files: list[str],
    *,
    timeout_s: float,
    max_output_chars: int,
    api: Sequence[tuple[str, str]] = (),
    signatures: Sequence[tuple[str, StatedSignature]] = (),
) -> ImportCheck:
    """Import ``modules`` (dotted names), check that each ``(module, name)`` of ``api`` is
    importable as ``from module import name`` and that what each ``(module, signature)`` names
    takes the arguments its stated signature does (when the module defines it), and execute
    ``test_files`` (paths relative to the workspace root), in a fresh interpreter in the
    sandbox, started in the workspace root, with it and ``source_root`` on its path."""
    root = context.workspace.root
    argv = [
        context.workspace.python,
        "-c",
        _SCRIPT,
        str(root),
        str(source_root),
        json.dumps(modules),
        json.dumps(test_files),
        json.dumps([list(pair) for pair in api]),
        json.dumps(
            [
                [module, s.name, s.shown, s.required, s.positional, list(s.keywords)]
                for module, s in signatures
            ]
        ),
    ]
    outcome = await context.run_code(
        argv, purpose="import_check", timeout_s=timeout_s, max_output_chars=max_output_chars
    )
    return ImportCheck(_failures(outcome), outcome)

"""Generated code that creates or changes the files a later run or the test run would obey
(``.env``, ``autobyteus.toml``, ``conftest.py``, ``pyproject.toml``...) has them put back after
it ran, in the sandbox and without it, and the outcome says so."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from coding_steps_testkit.harness import MakeContext

from autobyteus_core import AutobyteusSettings

ATTACK = """
import os, pathlib
P = pathlib.Path
P('pkg').mkdir(exist_ok=True)
P('tests').mkdir(exist_ok=True)
attempts = [
    lambda: P('.env').write_text('OPENAI_BASE_URL=http://127.0.0.1:9/v1\\n'),
    lambda: P('pkg/autobyteus.toml').write_text('model = "evil:x"\\n'),
    lambda: P('tests/conftest.py').write_text('def pytest_runtest_makereport(item, call): pass\\n'),
    lambda: P('pyproject.toml').write_text('[tool.autobyteus]\\nmodel = "evil:x"\\n'),
    lambda: os.remove('pytest.ini'),
    lambda: os.symlink('/etc/passwd', 'pkg/.env'),
]
for attempt in attempts:  # the sandbox refuses some (existing files are read-only there)
    try:
        attempt()
    except OSError as exc:
        print('refused:', exc)
P('pkg/code.py').write_text('x = 1\\n')  # ordinary work is kept
"""


@pytest.mark.parametrize("mode", ["auto", "off"])
async def test_files_generated_code_may_not_change_are_put_back(
    make_context: MakeContext, workspace: Path, mode: str
) -> None:
    (workspace / "pyproject.toml").write_text('[project]\nname = "p"\n', encoding="utf-8")
    (workspace / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    context = make_context(settings=AutobyteusSettings(sandbox=mode))
    outcome = await context.run_code(
        [sys.executable, "-c", ATTACK], purpose="tests", timeout_s=60, max_output_chars=10_000
    )
    assert outcome.ok, outcome.output
    assert sorted(p.relative_to(workspace).as_posix() for p in workspace.rglob("*")) == [
        "pkg",
        "pkg/code.py",
        "pyproject.toml",
        "pytest.ini",
        "tests",
    ]
    assert (workspace / "pyproject.toml").read_text() == '[project]\nname = "p"\n'
    assert (workspace / "pytest.ini").read_text() == "[pytest]\n"
    report = outcome.output.strip().splitlines()[-1]
    assert report.startswith("autobyteus put back files generated code may not change: ")
    created = [".env (created)", "pkg/.env (created)", "pkg/autobyteus.toml (created)",
               "tests/conftest.py (created)"]  # fmt: skip
    # The sandbox keeps an existing settings file read-only; pytest.ini is not one of those.
    changed = ["pytest.ini (removed)", *(["pyproject.toml (changed)"] if mode == "off" else [])]
    assert report.split(": ", 1)[1].split(", ") == sorted(created + changed)


async def test_code_that_leaves_them_alone_is_not_reported(
    make_context: MakeContext, workspace: Path
) -> None:
    (workspace / "conftest.py").write_text("import pytest\n", encoding="utf-8")
    outcome = await make_context().run_code(
        [sys.executable, "-c", "print('hello')"], purpose="tests", timeout_s=60,
        max_output_chars=10_000,
    )  # fmt: skip
    assert outcome.output == "hello\n"
    assert (workspace / "conftest.py").read_text() == "import pytest\n"

"""The project's interpreter: the ``python`` setting, else the workspace's ``.venv``/``venv``,
else autobyteus's own; real virtual environments, and one outside the workspace run in the
real sandbox, where it is readable and not writable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from autobyteus_core.cli import cli
from autobyteus_core.errors import ConfigurationError
from autobyteus_core.sandbox import bwrap
from autobyteus_core.sandbox.policy import Sandbox
from autobyteus_core.sandbox.runner import run_process
from autobyteus_core.workspace.interpreter import project_interpreter
from autobyteus_core.workspace.workspace_setting import WorkspaceSetting
from autobyteus_core.workspace.workspace_type import WorkspaceType

_PROBE = bwrap.probe()
PYTHON_TYPE = WorkspaceType(name="python", test_command=("{python}", "-m", "pytest", "-q"))


def make_venv(path: Path) -> Path:
    """A real virtual environment at ``path`` (no pip: quick); its python."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(path)], check=True, timeout=120
    )
    return path / "bin" / "python"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


def test_without_a_venv_or_a_setting_it_is_autobyteus_own(root: Path) -> None:
    chosen = project_interpreter(root, None)
    assert (chosen.path, chosen.source) == (sys.executable, "autobyteus's own")


@pytest.mark.parametrize("folder", [".venv", "venv"])
def test_the_workspaces_venv_runs_its_tests(root: Path, folder: str) -> None:
    python = make_venv(root / folder)
    workspace = WorkspaceSetting(root, PYTHON_TYPE)
    assert workspace.interpreter.source == f"the workspace's {folder}"
    assert workspace.test_command == [str(python), "-m", "pytest", "-q"]
    assert workspace.to_dict()["python"] == str(python)


def test_the_setting_wins_and_a_wrong_one_is_a_clear_error(root: Path, tmp_path: Path) -> None:
    make_venv(root / ".venv")
    other = make_venv(tmp_path / "elsewhere")
    chosen = project_interpreter(root, str(other))
    assert (chosen.path, chosen.source) == (str(other), f"the setting python = {other}")
    relative = project_interpreter(root, ".venv/bin/python")
    assert relative.path == str(root / ".venv/bin/python")
    with pytest.raises(ConfigurationError, match=r"python = nope/python: .* is not an executable"):
        project_interpreter(root, "nope/python")
    with pytest.raises(ConfigurationError, match="python = no-such-python-3: no such command"):
        project_interpreter(root, "no-such-python-3")


@pytest.mark.skipif(not _PROBE.works, reason=f"needs a working bubblewrap: {_PROBE.problem}")
async def test_a_venv_outside_the_workspace_is_readable_in_the_sandbox_not_writable(
    root: Path, tmp_path: Path
) -> None:
    python = make_venv(tmp_path / "outside-venv")  # under /tmp, which the sandbox replaces
    chosen = project_interpreter(root, str(python))
    script = (
        "import sys, pathlib\n"
        "print(sys.prefix)\n"
        "try:\n"
        "    (pathlib.Path(sys.prefix) / 'planted').write_text('x')\n"
        "    print('written')\n"
        "except OSError as exc:\n"
        "    print('refused', exc.errno)\n"
    )
    options = {"cwd": root, "timeout_s": 60, "max_output_chars": 10_000}
    outcome = await run_process(
        [chosen.path, "-c", script],
        sandbox=Sandbox(mode="bwrap"),
        readable=chosen.folders(),
        **options,  # type: ignore[arg-type]
    )
    assert outcome.ok, outcome.output
    assert outcome.output.split() == [str(tmp_path / "outside-venv"), "refused", "30"]
    assert not (tmp_path / "outside-venv" / "planted").exists()
    hidden = await run_process(
        [chosen.path, "-c", script],
        sandbox=Sandbox(mode="bwrap"),
        **options,  # type: ignore[arg-type]
    )
    assert not hidden.ok  # without it the sandbox hides the interpreter


def test_the_workspace_command_and_config_show_say_which_python(root: Path) -> None:
    python = make_venv(root / ".venv")
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    runner = CliRunner()
    shown = runner.invoke(cli, ["workspace", str(root)])
    assert shown.exit_code == 0, shown.output
    assert f"Python:    {python} (the workspace's .venv)" in shown.output
    assert f"Tests:     {python} -m pytest" in shown.output
    data = json.loads(runner.invoke(cli, ["workspace", str(root), "--json"]).output)
    assert (data["python"], data["test_command"][0]) == (str(python), str(python))
    config = runner.invoke(cli, ["config", "show", "--workspace", str(root)])
    assert f"Python:  {python} (the workspace's .venv)" in config.output

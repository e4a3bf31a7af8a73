"""``autobyteus install``/``uninstall`` without a virtualenv: arguments, reports, refusals."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from autobyteus_core.cli import cli
from autobyteus_core.cli.install_commands import (
    describe_plugin,
    installer_argv,
    pip_command,
    pip_install_args,
)
from autobyteus_core.plugin_inventory import changed_distributions


def test_pip_runs_in_the_interpreter_that_runs_autobyteus() -> None:
    assert pip_command("list") == [sys.executable, "-m", "pip", "list"]
    assert pip_command("uninstall", "x", assume_yes=True) == [
        sys.executable,
        "-m",
        "pip",
        "uninstall",
        "--yes",
        "x",
    ]


def test_without_pip_uv_installs_into_the_same_interpreter() -> None:
    argv = installer_argv(
        "uninstall", ["x"], python="/tool/bin/python", has_pip=False, uv="/bin/uv", assume_yes=True
    )
    assert argv == ["/bin/uv", "pip", "uninstall", "--python", "/tool/bin/python", "x"]


def test_without_pip_or_uv_the_error_says_what_to_install() -> None:
    with pytest.raises(click.ClickException, match=r"pip is not installed .* or install uv"):
        installer_argv("install", ["x"], python="/tool/bin/python", has_pip=False, uv=None)


def test_install_arguments_pass_specifiers_upgrade_editables_and_requirements() -> None:
    args = pip_install_args(
        ["autobyteus-openai>=0.2", "x==1.0"],
        upgrade=True,
        editables=["./mine"],
        requirements=["plugins.txt"],
    )
    assert args == [
        "--upgrade",
        "autobyteus-openai>=0.2",
        "x==1.0",
        "--editable",
        "./mine",
        "--requirement",
        "plugins.txt",
    ]
    assert pip_install_args(["x"]) == ["x"]


def test_changed_distributions_are_new_or_at_a_new_version() -> None:
    before = {"a": "1.0", "b": "1.0", "gone": "1.0"}
    after = {"a": "1.0", "b": "2.0", "c": "0.1"}
    assert changed_distributions(before, after) == ["b", "c"]


def test_describe_a_loaded_plugin_lists_what_it_registered() -> None:
    lines = describe_plugin(
        {
            "name": "shout",
            "distribution": "autobyteus-shout",
            "version": "0.1.0",
            "hooks": ["register_steps"],
            "registered": {"steps": ["shout", "whisper"], "workflows": []},
            "status": "loaded",
            "error": None,
        }
    )
    assert lines == [
        "plugin 'shout' (autobyteus-shout 0.1.0):",
        "  steps: shout, whisper",
        "  hooks: register_steps",
    ]


def test_describe_a_failed_plugin_says_how_to_remove_it() -> None:
    lines = describe_plugin(
        {
            "name": "broken",
            "distribution": "broken-plugin",
            "version": "1.0",
            "status": "failed",
            "error": "ImportError: no module named nowhere",
        }
    )
    assert "FAILED to load: ImportError: no module named nowhere" in lines[0]
    assert lines[1].strip() == "remove it with: autobyteus uninstall broken-plugin"


def test_install_needs_something_to_install() -> None:
    result = CliRunner().invoke(cli, ["install"])
    assert result.exit_code == 2
    assert "name at least one plugin, -e PATH or -r FILE" in result.output


def test_uninstall_refuses_to_remove_the_core() -> None:
    result = CliRunner().invoke(cli, ["uninstall", "Autobyteus_Core", "-y"])
    assert result.exit_code == 2
    assert "autobyteus-core runs this command" in result.output


def test_a_pip_failure_is_the_command_failure(tmp_path) -> None:
    missing = tmp_path / "no-such-plugin"
    proc = subprocess.run(
        [sys.executable, "-m", "autobyteus_core.cli", "install", str(missing)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert f"Running: {sys.executable} -m pip install {missing}" in proc.stderr
    assert "No new autobyteus plugin" not in proc.stdout

"""The real ``autobyteus`` executable in a subprocess: start-up imports and plugin warnings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: Heavy modules ``autobyteus --help`` must never import, whatever plugins are installed.
NEVER_AT_HELP = ("openai", "llama_cpp", "ray", "jinja2", "rich")
#: Also absent when no external plugin is loaded.
NEVER_AT_HELP_CORE_ONLY = (*NEVER_AT_HELP, "pydantic", "pydantic_settings", "structlog")
#: What ``autobyteus plugins`` never imports, whatever plugins are installed: everything it lists
#: was registered by import path (``Deferred``), so no step or provider module loads, nor what
#: they import.
NEVER_AT_PLUGINS = (
    "openai",
    "llama_cpp",
    "ray",
    "jinja2",
    "pydantic",
    "pydantic_settings",
    "asyncio",
)


def executable() -> Path:
    script = Path(sys.executable).parent / ("autobyteus.exe" if os.name == "nt" else "autobyteus")
    assert script.exists(), (
        f"the autobyteus console script is not installed next to {sys.executable}"
    )
    return script


def run_cli(*args: str, env: dict[str, str] | None = None, importtime: bool = False):  # type: ignore[no-untyped-def]
    argv = [sys.executable, *(["-X", "importtime"] if importtime else []), str(executable()), *args]
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        argv, capture_output=True, text=True, env=full_env, timeout=120, check=False
    )


def imported_modules(importtime_stderr: str) -> set[str]:
    modules = set()
    for line in importtime_stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            modules.add(name.split(".")[0])
    return modules


def test_help_imports_no_heavy_module_with_the_installed_plugins():
    result = run_cli("--help", importtime=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Commands:" in result.stdout
    imported = imported_modules(result.stderr)
    assert "click" in imported  # the parsing works
    assert not imported & set(NEVER_AT_HELP), sorted(imported & set(NEVER_AT_HELP))


def test_help_without_external_plugins_imports_neither_pydantic_nor_structlog():
    result = run_cli("--help", env={"AUTOBYTEUS_LOAD_PLUGINS": ""}, importtime=True)
    assert result.returncode == 0, result.stderr[-2000:]
    imported = imported_modules(result.stderr)
    assert "pluggy" in imported  # plugins were loaded (for register_commands)
    assert not imported & set(NEVER_AT_HELP_CORE_ONLY), sorted(
        imported & set(NEVER_AT_HELP_CORE_ONLY)
    )


def test_plugins_lists_every_installed_plugin_without_importing_what_they_registered():
    result = run_cli("plugins", "--json", importtime=True)
    assert result.returncode == 0, result.stderr[-2000:]
    imported = imported_modules(result.stderr)
    assert not imported & set(NEVER_AT_PLUGINS), sorted(imported & set(NEVER_AT_PLUGINS))
    records = {r["name"]: r for r in json.loads(result.stdout)}
    assert records["scripted_provider"]["registered"] == {"llm_providers": ["scripted"]}
    assert records["python_workspace"]["registered"] == {"workspace_settings": ["python"]}
    assert all(r["status"] == "loaded" for r in records.values()), records


def test_version_prints_and_exits():
    from autobyteus_core import __version__

    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"autobyteus, version {__version__}"


@pytest.fixture
def broken_site(make_dist, site_dir: Path) -> dict[str, str]:
    """An installed-looking plugin that fails at import, visible to subprocesses."""
    make_dist(
        "ab-exploding",
        "0.3",
        entry_points={"exploding": "ab_exploding_mod"},
        modules={"ab_exploding_mod": "raise ImportError('needs libfoo 2, found libfoo 1')\n"},
    )
    return {
        "PYTHONPATH": str(site_dir),
        "AUTOBYTEUS_LOAD_PLUGINS": "ab-exploding",
        "AUTOBYTEUS_STRICT_PLUGINS": "0",
    }


def test_broken_plugin_is_one_clear_warning_line_and_the_command_works(broken_site):
    result = run_cli("plugins", "--json", env={**broken_site, "AUTOBYTEUS_LOG_FORMAT": "console"})
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    (line,) = lines
    assert "autobyteus plugin 'exploding' (ab-exploding 0.3) failed to load and was skipped" in line
    assert "ImportError: needs libfoo 2, found libfoo 1" in line
    assert "AUTOBYTEUS_DISABLE_PLUGINS=exploding" in line
    assert "Warning" not in line and "warnings.warn" not in line
    records = {r["name"]: r for r in json.loads(result.stdout)}
    assert records["exploding"]["status"] == "failed"
    assert records["scripted_provider"]["status"] == "loaded"


def test_broken_plugin_warning_is_a_json_line_with_log_format_json(broken_site):
    result = run_cli("--log-format", "json", "steps", env=broken_site)
    assert result.returncode == 0, result.stderr
    (line,) = [json.loads(x) for x in result.stderr.splitlines() if x.strip()]
    assert line["level"] == "warning"
    assert line["plugin"] == "exploding"
    assert line["distribution"] == "ab-exploding"
    assert line["plugin_version"] == "0.3"
    assert line["error"] == "ImportError: needs libfoo 2, found libfoo 1"


def test_broken_plugin_warning_also_shows_at_help(broken_site):
    result = run_cli("--help", env={**broken_site, "AUTOBYTEUS_LOG_FORMAT": "json"})
    assert result.returncode == 0
    assert "Commands:" in result.stdout
    (line,) = [json.loads(x) for x in result.stderr.splitlines() if x.strip()]
    assert line["plugin"] == "exploding"


def test_strict_mode_turns_the_broken_plugin_into_an_error(broken_site):
    result = run_cli("steps", env={**broken_site, "AUTOBYTEUS_STRICT_PLUGINS": "1"})
    assert result.returncode == 1
    assert result.stderr.startswith("Error: autobyteus plugin 'exploding' (ab-exploding 0.3)")
    assert "Traceback" not in result.stderr


def test_disabled_broken_plugin_is_not_imported(broken_site):
    env = {
        **broken_site,
        "AUTOBYTEUS_DISABLE_PLUGINS": "exploding",
        "AUTOBYTEUS_STRICT_PLUGINS": "1",
    }
    result = run_cli("plugins", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    records = {r["name"]: r for r in json.loads(result.stdout)}
    assert records["exploding"]["status"] == "disabled"


def test_invalid_log_format_is_a_usage_error():
    result = run_cli("steps", env={"AUTOBYTEUS_LOG_FORMAT": "xml"})
    assert result.returncode == 2
    assert "xml" in result.stderr

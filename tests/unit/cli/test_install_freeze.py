"""Plugin inventory from package metadata: what ``autobyteus plugins --freeze`` prints and what
``install``/``uninstall`` compare, read from real ``.dist-info`` folders without importing them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autobyteus_core.plugin_inventory import (
    freeze_lines,
    installed_plugin_distributions,
    plugin_versions,
    records_with_hook,
)
from autobyteus_core.plugins import PluginRecord


def make_dist(
    site: Path,
    name: str,
    version: str,
    entry_points: str,
    direct_url: dict[str, object] | None = None,
) -> None:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(entry_points, encoding="utf-8")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url), encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site folder on sys.path whose plugins' modules do not exist: reading must not import."""
    site = tmp_path / "site"
    site.mkdir()
    make_dist(site, "abt-plain", "1.2.0", "[autobyteus]\nplain = abt_missing_module_1\n")
    make_dist(
        site,
        "Abt_Editable",
        "0.1.0",
        "[autobyteus]\nedit = abt_missing_module_2\nedit2 = abt_missing_module_3\n",
        {"url": "file:///src/my%20plugins/abt-editable", "dir_info": {"editable": True}},
    )
    make_dist(
        site,
        "abt-vcs",
        "0.3.0",
        "[autobyteus]\nvcs = abt_missing_module_4\n",
        {
            "url": "https://example.invalid/repo.git",
            "vcs_info": {"vcs": "git", "commit_id": "abc123"},
        },
    )
    make_dist(
        site,
        "abt-folder",
        "0.4.0",
        "[autobyteus]\nfolder = abt_missing_module_5\n",
        {"url": "file:///tmp/abt-folder", "dir_info": {}},
    )
    make_dist(site, "abt-not-a-plugin", "9.9", "[console_scripts]\nx = abt_missing:main\n")
    monkeypatch.syspath_prepend(str(site))
    return site


def test_freeze_lines_reinstall_each_plugin_the_way_it_was_installed(site: Path) -> None:
    lines = freeze_lines()
    assert "abt-plain==1.2.0" in lines
    assert "-e /src/my plugins/abt-editable" in lines
    assert "abt-vcs @ git+https://example.invalid/repo.git@abc123" in lines
    assert "abt-folder @ file:///tmp/abt-folder" in lines
    assert not any("abt-not-a-plugin" in line for line in lines)
    assert not any("autobyteus-core" in line for line in lines)


def test_a_distribution_with_several_entry_points_is_one_plugin_distribution(site: Path) -> None:
    (editable,) = [d for d in installed_plugin_distributions() if d.key == "abt-editable"]
    assert editable.name == "Abt_Editable"
    assert editable.entry_points == ("edit = abt_missing_module_2", "edit2 = abt_missing_module_3")
    assert editable.editable_location == "/src/my plugins/abt-editable"


def test_versions_see_a_distribution_installed_after_the_first_read(site: Path) -> None:
    assert "abt-late" not in plugin_versions()
    make_dist(site, "abt-late", "2.0", "[autobyteus]\nlate = abt_missing_module_6\n")
    assert plugin_versions()["abt-late"] == "2.0"


def test_records_with_hook_keeps_only_the_implementers() -> None:
    steps = PluginRecord(name="a", hooks=["register_steps", "workflow_event"])
    provider = PluginRecord(name="b", hooks=["register_llm_providers"])
    assert records_with_hook([steps, provider], "workflow_event") == [steps]
    assert records_with_hook([steps, provider], "register_commands") == []


def test_records_with_hook_rejects_an_unknown_hook_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown hook 'register_step'.*register_steps"):
        records_with_hook([], "register_step")

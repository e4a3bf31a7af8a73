"""A plugin made discoverable the way every plugin is, without installing it: a module and a
``.dist-info`` folder with an ``autobyteus`` entry point, in a folder to put on ``PYTHONPATH``."""

from __future__ import annotations

from pathlib import Path


def write_plugin_folder(folder: Path, module: str, source: str, *, dist: str) -> Path:
    """Write the module ``module`` (its ``source``) and the metadata of the distribution
    ``dist`` (version 0.1, entry point ``module = module``) into ``folder``; returns ``folder``,
    the entry to add to ``PYTHONPATH`` (then ``AUTOBYTEUS_LOAD_PLUGINS=<dist>`` loads it)."""
    dist_info = folder / f"{module}-0.1.dist-info"
    dist_info.mkdir(parents=True, exist_ok=True)
    (folder / f"{module}.py").write_text(source, encoding="utf-8")
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(
        f"[autobyteus]\n{module} = {module}\n", encoding="utf-8"
    )
    return folder

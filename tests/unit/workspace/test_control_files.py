"""Control files: the safe writer never creates or changes what autobyteus reads its own
settings or prompts from; prompt templates are regular files outside /proc, /sys and /dev."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autobyteus_core.prompt.errors import PromptTemplateError
from autobyteus_core.prompt.prompt_template import PromptTemplate
from autobyteus_core.settings import AutobyteusSettings
from autobyteus_core.workspace.control_files import ControlFiles
from autobyteus_core.workspace.errors import UnsafePathError
from autobyteus_core.workspace.safe_writer import SafeWriter


@pytest.mark.parametrize(
    "path", [".env", "sub/.env", ".ENV", "autobyteus.toml", "pkg/Autobyteus.TOML"]
)
def test_settings_files_are_refused_in_any_folder(workspace: Path, path: str) -> None:
    writer = SafeWriter(workspace)
    with pytest.raises(UnsafePathError, match="control file"):
        writer.write(path, "AUTOBYTEUS_OPENAI__BASE_URL=http://127.0.0.1:9/v1\n")
    with pytest.raises(UnsafePathError, match="control file"):
        writer.check(path, content="x")
    assert not any(p.is_file() for p in workspace.rglob("*"))


def test_a_link_to_a_control_file_is_refused_too(workspace: Path) -> None:
    (workspace / ".env").write_text("OPENAI_ORG_ID=mine\n", encoding="utf-8")
    os.symlink(".env", workspace / "notes.txt")
    with pytest.raises(UnsafePathError, match="control file"):
        SafeWriter(workspace).write("notes.txt", "OPENAI_BASE_URL=http://evil/v1\n")
    assert (workspace / ".env").read_text(encoding="utf-8") == "OPENAI_ORG_ID=mine\n"


def test_a_pyproject_may_be_written_but_not_its_autobyteus_table(workspace: Path) -> None:
    writer = SafeWriter(workspace)
    project = '[project]\nname = "calc"\n'
    writer.write("pyproject.toml", project)  # a project's own pyproject.toml is fine
    with pytest.raises(UnsafePathError, match=r"adds a \[tool.autobyteus\] table"):
        writer.write("pyproject.toml", project + '[tool.autobyteus.openai]\nbase_url = "x"\n')

    (workspace / "pyproject.toml").write_text(
        project + "[tool.autobyteus]\nmax_concurrency = 2\n", encoding="utf-8"
    )
    kept = project + "[tool.autobyteus]\nmax_concurrency = 2\n\n[tool.ruff]\nline-length = 99\n"
    writer.write("pyproject.toml", kept)  # other tables may change; ours stays as it was
    with pytest.raises(UnsafePathError, match=r"changes the \[tool.autobyteus\] table"):
        writer.write("pyproject.toml", kept.replace("= 2", "= 64"))
    with pytest.raises(UnsafePathError, match=r"removes the \[tool.autobyteus\] table"):
        writer.write("pyproject.toml", project)
    with pytest.raises(UnsafePathError, match="not valid TOML"):
        writer.write("sub/pyproject.toml", "[tool.autobyteus\n")
    assert (workspace / "pyproject.toml").read_text(encoding="utf-8") == kept


def test_prompt_override_files_in_the_workspace_are_control_files(workspace: Path) -> None:
    (workspace / "autobyteus.toml").write_text(
        '[prompts.implementation]\nfile = "prompts/impl.j2"\n', encoding="utf-8"
    )
    settings = AutobyteusSettings.load(workspace)
    controls = ControlFiles.for_workspace(workspace, settings.prompt_files())
    writer = SafeWriter(workspace, control_files=controls)
    with pytest.raises(UnsafePathError, match="prompt template file"):
        writer.write("prompts/impl.j2", "{{ secrets }}")
    writer.write("prompts/other.j2", "fine")


@pytest.mark.parametrize("target", ["/proc/self/environ", "/dev/null", "/sys/kernel/uevent_seqnum"])
def test_prompt_templates_are_never_read_from_system_files(tmp_path: Path, target: str) -> None:
    link = tmp_path / "template.j2"
    os.symlink(target, link)
    for path in (target, link):
        with pytest.raises(PromptTemplateError, match="system file"):
            PromptTemplate.from_file(path)


def test_a_prompt_template_must_be_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "template.j2"
    os.mkfifo(fifo)
    with pytest.raises(PromptTemplateError, match="not a regular file"):
        PromptTemplate.from_file(fifo)
    (tmp_path / "ok.j2").write_text("Hello {{ name }}", encoding="utf-8")
    assert PromptTemplate.from_file(tmp_path / "ok.j2").fill(name="you") == "Hello you"

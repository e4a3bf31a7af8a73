"""The repository map in the requirement, plan and implementation prompts: what it lists, how
it is ranked and cut to ``repo_map_tokens``, and that an empty workspace gets none."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from autobyteus_coding_steps.repo_map import build_project_map, fit_blocks, run_project_map
from coding_steps_testkit.harness import MakeContext

from autobyteus_core import (
    Application,
    AutobyteusSettings,
    LLMProviderUnavailableError,
    Workflow,
    WorkflowStatus,
    estimate_tokens,
)
from autobyteus_core.testing import RegisterPlugin, ScriptedLLM

STORE = '''\
"""Values by key."""

from kv.codec import encode


class Store:
    """A key-value store."""

    def put(self, key: str, value: object) -> None:
        """Store ``value`` under ``key``."""
'''
CODEC = '''\
def encode(value: object) -> bytes:
    """JSON bytes of ``value``."""
    return b""
'''
CLI = '''\
from kv.store import Store


def main(argv: list[str]) -> int:
    """Run the command line."""
    return 0
'''
UTIL = 'def shout(text: str) -> str:\n    """Upper-cased."""\n    return text.upper()\n'


def write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")


def kv_project(root: Path) -> None:
    write(
        root,
        {
            "kv/__init__.py": "",
            "kv/cli.py": CLI,
            "kv/codec.py": CODEC,
            "kv/store.py": STORE,
            "kv/util.py": UTIL,
            "tests/test_util.py": "from kv.util import shout\n\n\ndef test_shout():\n    pass\n",
        },
    )


def map_section(prompt: str) -> str:
    """The map a prompt shows (the lines after its heading, up to the blank line)."""
    return prompt.split("already has these files:\n", 1)[1].split("\n\n")[0]


def heads(text: str) -> list[str]:
    """The file lines of a map (not indented), without their summaries."""
    return [line.split("  ")[0] for line in text.splitlines() if line and line[0] != " "]


def test_a_named_module_comes_first_then_what_it_imports_then_the_rest(
    make_context: MakeContext, workspace: Path
) -> None:
    kv_project(workspace)
    project = build_project_map(make_context())
    text = project.render("Add a `--json` flag to `kv/cli.py`.", 10_000)
    assert heads(text) == [
        "kv/cli.py",  # named
        "kv/store.py",  # imported by kv/cli.py
        "kv/__init__.py",  # the rest, in tree order
        "kv/codec.py",  # imported by store.py, which is not named: only the rest
        "kv/util.py",
        "tests/test_util.py",
    ]
    assert "  def main(argv: list[str]) -> int  # Run the command line." in text.splitlines()
    # a defined name counts as a mention too; the module naming it more often ranks higher
    by_name = heads(project.render("`Store.put` should also call `encode` and `shout`.", 10_000))
    assert by_name[:3] == ["kv/store.py", "kv/codec.py", "kv/util.py"]


def test_the_map_is_cut_to_the_budget_whole_entries_then_paths_then_a_count(
    make_context: MakeContext, workspace: Path
) -> None:
    kv_project(workspace)
    write(workspace, {f"kv/extra_{n}.py": UTIL.replace("shout", f"shout_{n}") for n in range(30)})
    project = build_project_map(make_context())
    full = project.render("kv/cli.py", 100_000)
    for budget in range(0, estimate_tokens(full) + 5):
        text = project.render("kv/cli.py", budget)
        assert estimate_tokens(text) <= budget
        assert text == "" or text.startswith("kv/cli.py")
    cut = project.render("kv/cli.py", 120)
    assert cut.startswith("kv/cli.py\n  def main(")  # the named module whole
    assert cut.splitlines()[-1].endswith("more files not shown)")
    assert project.render("kv/cli.py", 2) == ""  # not even one path fits: no map at all


def test_fit_blocks_shows_first_lines_alone_when_a_whole_block_does_not_fit() -> None:
    blocks = [["a.py", "  def a()"], ["b.py", "  " + "x" * 100], ["c.py"]]
    text = fit_blocks(blocks, 12, "file")
    assert text.splitlines() == ["a.py", "  def a()", "b.py", "... (1 more file not shown)"]
    assert estimate_tokens(text) <= 12
    assert fit_blocks(blocks, 1_000, "file") == "a.py\n  def a()\nb.py\n  " + "x" * 100 + "\nc.py"


def test_control_folders_virtualenvs_caches_settings_and_huge_files_are_left_out(
    make_context: MakeContext, workspace: Path, tmp_path: Path
) -> None:
    kv_project(workspace)
    write(
        workspace,
        {
            ".git/hooks/x.py": "def hook(): ...\n",
            ".autobyteus/runs/r.py": "def run(): ...\n",
            "env/pyvenv.cfg": "home = /usr\n",
            "env/lib/site.py": "def site(): ...\n",
            ".pytest_cache/v/x.py": "def cache(): ...\n",
            "kv.egg-info/PKG-INFO": "Name: kv\n",
            "kv/__pycache__/x.py": "def compiled(): ...\n",
            "autobyteus.toml": "[coding_steps]\n",
            ".env": "OPENAI_API_KEY=sk-not-for-prompts\n",
            "kv/generated.py": "def huge(): ...\n" + "# padding\n" * 30_000,
        },
    )
    outside = tmp_path / "outside.py"
    outside.write_text("def secret_outside(): ...\n", encoding="utf-8")
    os.symlink(outside, workspace / "kv/linked.py")
    os.mkfifo(workspace / "kv/pipe.py")  # reading it would wait for a writer forever
    text = build_project_map(make_context()).render("", 100_000)
    for hidden in ("hook", "def run", "site", "cache", "PKG-INFO", "compiled", "autobyteus.toml",
                   ".env", "sk-not", "def huge", "secret_outside"):  # fmt: skip
        assert hidden not in text
    assert "kv/generated.py  (large file, not read)" in text.splitlines()
    assert "kv/linked.py" in text.splitlines()  # listed, never read through the link
    assert "kv/pipe.py" in text.splitlines()


def test_a_workspace_with_only_settings_files_has_no_map(
    make_context: MakeContext, workspace: Path
) -> None:
    write(workspace, {"autobyteus.toml": "[coding_steps]\n", ".env": "X=1\n"})
    assert build_project_map(make_context()).render("anything", 1_000) == ""


def test_a_run_maps_its_workspace_once_and_keeps_the_map_through_its_saved_state(
    make_context: MakeContext, workspace: Path
) -> None:
    from autobyteus_core import WorkflowState

    kv_project(workspace)
    context = make_context()
    first = run_project_map(context).render("kv/cli.py", 10_000)
    write(workspace, {"kv/later.py": "def later() -> None:\n    pass\n"})
    assert run_project_map(context).render("kv/cli.py", 10_000) == first  # not mapped again
    # a resumed run reads the map back from its state.json, the same map
    saved = WorkflowState.model_validate_json(context.state.model_dump_json())
    assert run_project_map(make_context(state=saved)).render("kv/cli.py", 10_000) == first
    assert "kv/later.py" not in first
    # a map that does not read back (state.json edited by hand) is made anew from the workspace
    saved.data["autobyteus_coding_steps"]["repo_map"]["entries"] = [{"no such field": 1}]
    assert "kv/later.py" in run_project_map(make_context(state=saved)).render("", 10_000)


# -- through real runs ---------------------------------------------------------------------------

GREEN = "Create `calc/add.py` defining `add(a, b)` and `calc/sub.py` defining `sub(a, b)`."
DOCUMENT = """\
## Background
Two arithmetic functions.

## Functional requirements
1. `add(a, b)` returns `a + b`; `sub(a, b)` returns `a - b`.

## Constraints
- Python 3.

## Acceptance criteria
1. `add(2, 3)` is `5`.
"""
PLAN = """\
#### Task 1: Implement `add`
#task start#
- **Objective**: Add two numbers.
- **File Specification**: `calc/add.py`
- **Functionality Details**: `add(a, b)` returns `a + b`.
- **Integration Points**: None.
#task end#

#### Task 2: Implement `sub`
#task start#
- **Objective**: Subtract two numbers.
- **File Specification**: `calc/sub.py`
- **Functionality Details**: `sub(a, b)` returns `a - b`.
- **Integration Points**: None.
#task end#
"""
STEPS = ["requirement", "architecture_design", "implementation"]


def scripted(*first: tuple[str, Any]) -> ScriptedLLM:
    """The project's replies, after the rules ``first`` (pattern, reply), which win."""
    llm = ScriptedLLM()
    for pattern, reply in first:
        llm.on(pattern, reply)
    return (
        llm.on(r"Rewrite the requirement below", f"```markdown\n{DOCUMENT}```")
        .on(r"\[SubtaskExample\]", PLAN)
        .on(r"`calc/add\.py` already exists", "```python\ndef add(a, b):\n    return a + b\n```")
        .on(r"Write the file `calc/add\.py`", "```python\ndef add(a, b):\n    return a + b\n```")
        .on(r"Write the file `calc/sub\.py`", "```python\ndef sub(a, b):\n    return a - b\n```")
    )


@pytest.fixture
def app(autobyteus_app: Application, register_plugin: RegisterPlugin) -> Application:
    import autobyteus_coding_steps.plugin

    register_plugin(autobyteus_coding_steps.plugin, "coding_steps")
    return autobyteus_app


def run_steps(app: Application, root: Path, requirement: str, **settings: Any) -> ScriptedLLM:
    llm = scripted()
    flow = Workflow.from_steps(
        STEPS, app=app, workspace=root, model=llm,
        settings=AutobyteusSettings.load(root, **settings),
    )  # fmt: skip
    run = flow.run(requirement=requirement)
    assert run.status is WorkflowStatus.SUCCEEDED, run.error
    return llm


def test_an_empty_workspace_gets_no_map_section_in_any_prompt(
    app: Application, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "default").mkdir()
    (tmp_path / "off").mkdir()
    with_map = run_steps(app, tmp_path / "default", GREEN)
    monkeypatch.setenv("AUTOBYTEUS_CODING_STEPS__REPO_MAP_TOKENS", "0")
    without = run_steps(app, tmp_path / "off", GREEN)
    prompts = [call.prompt for call in with_map.calls]
    assert len(prompts) == 4  # requirement, plan, two files
    assert prompts == [call.prompt for call in without.calls]  # not one character more
    assert not any("already has these files" in prompt for prompt in prompts)


def test_an_existing_project_is_mapped_in_the_three_prompts_and_not_listed_twice(
    app: Application, workspace: Path
) -> None:
    write(workspace, {"calc/__init__.py": "", "calc/add.py": "def add(a, b):\n    return a + b\n"})
    write(
        workspace,
        {"calc/mul.py": '"""Products."""\n\n\ndef mul(a: int, b: int) -> int:\n    return a * b\n'},
    )
    llm = run_steps(app, workspace, GREEN)
    requirement, plan, *files = [call.prompt for call in llm.calls]
    for prompt in (requirement, plan, *files):
        assert prompt.count("already has these files:") == 1
        assert "  def mul(a: int, b: int) -> int" in prompt
    assert heads(requirement.split("these files:\n", 1)[1].split("\n\n")[0]) == [
        "calc/add.py",  # named
        "calc/__init__.py",
        "calc/mul.py",
    ]
    assert "calc/mul.py  # Products." in requirement
    assert "  mul.py" not in plan  # the plain tree is gone where the map is
    (add_prompt,) = [p for p in files if "`calc/add.py` already exists" in p]
    # the file the prompt shows whole is not in its map
    assert "calc/add.py  " not in add_prompt and "\ncalc/add.py\n" not in add_prompt


async def test_a_resumed_run_is_not_asked_again_what_it_was_answered_once_files_exist(
    app: Application, workspace: Path
) -> None:
    # The first run writes `calc/add.py`, is answered for `calc/sub.py` with a reply it cannot
    # use, and loses its server on the re-ask. Were the map made anew when the run resumes,
    # `calc/add.py` would be in it, the `calc/sub.py` prompt would differ from the answered one
    # and resuming would pay for it again.
    write(workspace, {"calc/mul.py": "def mul(a: int, b: int) -> int:\n    return a * b\n"})
    settings = AutobyteusSettings.load(workspace, max_concurrency=1)
    reask = r"Your reply could not be used"
    broken = scripted(
        (reask, LLMProviderUnavailableError("gone")),
        (r"Write the file `calc/sub\.py`", "I would rather not write code today."),
    )
    first = Workflow.from_steps(
        STEPS, app=app, workspace=workspace, model=broken, settings=settings
    )
    assert (await first.start(requirement=GREEN)).status is WorkflowStatus.FAILED
    assert (workspace / "calc/add.py").exists()
    again = scripted((reask, "```python\ndef sub(a, b):\n    return a - b\n```"))
    resumed = Workflow.load(
        first.run_id, workspace=workspace, app=app, model=again, settings=settings
    )
    finished = await resumed.start()
    assert finished.status is WorkflowStatus.SUCCEEDED, finished.error
    assert [call.prompt.startswith("Your reply could not be used") for call in again.calls] == [
        True
    ]


def test_a_workspace_types_own_builder_makes_the_map(
    app: Application, register_plugin: RegisterPlugin, workspace: Path
) -> None:
    from coding_steps_testkit import repo_map_plugin

    register_plugin(repo_map_plugin, "notes")
    write(workspace, {"notes.cfg": "", "book/one.note": "= Intro\ntext\n= Usage\n", "x.txt": ""})
    llm = run_steps(app, workspace, GREEN)
    requirement = llm.calls[0].prompt
    assert "book/one.note\n  heading Intro\n  heading Usage\n" in requirement
    assert "x.txt" in requirement  # not one of the type's sources: listed by its path


def test_a_type_without_a_builder_gets_the_plain_tree(
    app: Application, register_plugin: RegisterPlugin, workspace: Path
) -> None:
    from coding_steps_testkit import repo_map_plugin

    register_plugin(repo_map_plugin, "notes")
    write(workspace, {"plain.cfg": "", "lib/one.c": "int one(void) { return 1; }\n"})
    llm = run_steps(app, workspace, GREEN)
    assert "lib/\n  one.c\nplain.cfg\n" in llm.calls[0].prompt
    assert "return 1" not in llm.calls[0].prompt

"""Property tests (hypothesis) for the task parser and the code-block parser."""

from __future__ import annotations

import re
from dataclasses import dataclass

from autobyteus_coding_steps.parsing.code_blocks import find_code_blocks
from autobyteus_coding_steps.parsing.file_reply import parse_file_reply
from autobyteus_coding_steps.parsing.paths import named_python_paths, path_problem
from autobyteus_coding_steps.parsing.tasks import parse_subtasks
from hypothesis import HealthCheck, given, settings, strategies as st

WORDS = [
    "count",
    "words",
    "text",
    "report",
    "sorted",
    "frequency",
    "lower",
    "case",
    "split",
    "punctuation",
    "return",
    "list",
    "dict",
    "print",
    "top",
    "most",
    "common",
    "read",
    "parse",
    "value",
    "key",
    "order",
    "stop",
    "empty",
    "string",
    "number",
    "class",
    "method",
    "the",
    "a",
    "of",
    "to",
    "and",
    "with",
    "by",
    "for",
    "from",
    "each",
    "all",
]
word = st.sampled_from(WORDS)
phrase = st.lists(word, min_size=1, max_size=7).map(" ".join)
identifier = st.sampled_from(
    ["wordfreq", "counter", "report", "cli", "core", "text_utils", "io2", "stats", "pkg", "x"]
)
py_path = st.lists(identifier, min_size=1, max_size=3).map(lambda parts: "/".join(parts) + ".py")


@dataclass
class Spec:
    title: str
    objective: str
    path: str
    functionality: str


specs = st.lists(
    st.builds(Spec, title=phrase, objective=phrase, path=py_path, functionality=phrase),
    min_size=1,
    max_size=6,
)


@st.composite
def rendered_plans(draw: st.DrawFn) -> tuple[list[Spec], str, bool]:
    tasks = draw(specs)
    tokens = draw(st.booleans())
    heading = draw(st.sampled_from(["####", "plain-dash", "bold", "none" if tokens else "####"]))
    field_style = draw(st.sampled_from(["- **{}**: ", "{}: ", "* {}: ", "**{}:** "]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines: list[str] = []
    if draw(st.booleans()):
        lines += [f"Sure. {draw(phrase)}.", ""]
    for number, task in enumerate(tasks, start=1):
        if heading == "####":
            lines.append(f"#### Task {number}: {task.title}")
        elif heading == "plain-dash":
            lines.append(f"Task {number} - {task.title}")
        elif heading == "bold":
            lines.append(f"**Task {number}: {task.title}**")
        if tokens:
            lines.append("#task start#")
        lines.append(field_style.format("Objective") + task.objective)
        lines.append(field_style.format("File Specification") + f"`{task.path}`")
        lines.append(field_style.format("Functionality Details") + task.functionality)
        if tokens:
            lines.append("#task end#")
        lines.append("")
    if tokens and draw(st.booleans()):
        lines.append(f"Hope this helps, {draw(phrase)}.")
    return tasks, newline.join(lines), heading != "none"


@given(rendered_plans())
@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
def test_any_rendering_of_a_plan_parses_back(case: tuple[list[Spec], str, bool]) -> None:
    tasks, text, has_headings = case
    result = parse_subtasks(text)
    assert result.ok, result.report()
    parsed = result.value
    assert parsed is not None
    assert len(parsed) == len(tasks)
    for number, (spec, task) in enumerate(zip(tasks, parsed, strict=True), start=1):
        assert task.number == number
        assert task.objective == spec.objective
        assert task.files == [spec.path]
        assert task.functionality == spec.functionality
        if has_headings:
            assert task.title == spec.title
        assert all(dep < number for dep in task.depends_on)
        if any(other.path == spec.path for other in tasks[: number - 1]):
            assert task.depends_on, "tasks writing the same file must be ordered"


@given(st.text(max_size=2_000))
@settings(max_examples=300)
def test_task_parser_never_raises_and_only_returns_safe_ordered_tasks(text: str) -> None:
    result = parse_subtasks(text)
    if result.value is not None:
        for task in result.value:
            assert all(path_problem(path) is None for path in task.files)
            assert all(dep < task.number for dep in task.depends_on)
    if not result.ok:
        assert result.errors


content_line = (
    st.text(st.sampled_from("abc xyz_=()[]{}:#`~'\"\\-*.,\t1é€"), max_size=40)
    .map(lambda line: line.replace("\r", "").replace("\n", ""))
    .filter(lambda line: not line.lstrip().startswith(("```", "~~~")))
)


@st.composite
def fenced_replies(draw: st.DrawFn) -> tuple[str, str, str | None]:
    body = draw(st.lists(content_line, min_size=1, max_size=12)).copy()
    body[0] = body[0] or "x"
    content = "\n".join(body)
    fence = draw(st.sampled_from(["`", "~"])) * draw(st.integers(3, 5))
    language = draw(st.sampled_from(["", "python", "py", "text"]))
    path = draw(st.none() | py_path)
    placement = draw(st.sampled_from(["info", "before"]))
    indent = " " * draw(st.integers(0, 3))
    info = language
    lines: list[str] = []
    if draw(st.booleans()):
        lines += [f"Here is what you asked for, {draw(phrase)}.", ""]
    if path is not None and placement == "before":
        lines.append(f"`{path}`")
    elif path is not None:
        info = f"{language} {path}".strip()
    lines.append(indent + fence + info)
    lines += [indent + line for line in body]
    lines.append(indent + fence)
    if draw(st.booleans()):
        lines += ["", f"That is all, {draw(phrase)}."]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines), content, path


@given(fenced_replies())
@settings(max_examples=200)
def test_any_fenced_block_comes_back_whole_with_its_path(case: tuple[str, str, str | None]) -> None:
    text, content, path = case
    [block] = find_code_blocks(text)
    assert block.content == content
    assert block.terminated
    if path is not None:
        assert block.path_hint == path


@given(st.text(max_size=3_000))
@settings(max_examples=300)
def test_code_block_and_file_parsers_never_raise(text: str) -> None:
    for block in find_code_blocks(text):
        assert block.start_line >= 1
        if block.end_line is not None:
            assert block.end_line > block.start_line
    result = parse_file_reply(text, "pkg/mod.py")
    if result.ok:
        assert result.value is not None
        assert result.value.path == "pkg/mod.py"
        assert result.value.content.endswith("\n")
        compile(result.value.content, "pkg/mod.py", "exec")
    else:
        assert result.errors


PATH_PIECES = ["pkg/", "sub/", "a", "b", "_", "-", ".", "py", ".py", ".pyc", "x"]
TEXT_PIECES = [*PATH_PIECES, " ", "\n", "`", "(", ")", "/", "é", "Task 2 uses "]


@given(
    before=st.lists(st.sampled_from(TEXT_PIECES), max_size=7).map("".join),
    after=st.lists(st.sampled_from(TEXT_PIECES), max_size=7).map("".join),
    path=st.lists(st.sampled_from(PATH_PIECES), min_size=1, max_size=5).map(
        lambda parts: "".join(parts) + ".py"
    ),
    embed=st.booleans(),
)
@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
def test_named_python_paths_finds_a_path_exactly_where_the_mention_pattern_does(
    before: str, after: str, path: str, embed: bool
) -> None:
    text = before + (path if embed else "") + after
    mentioned = re.search(rf"(?<![\w/]){re.escape(path)}\b", text) is not None
    assert (path in named_python_paths(text)) == mentioned

"""The search/replace edit format: examples of each rung of the ladder, and hypothesis properties."""

from __future__ import annotations

from autobyteus_coding_steps.editing import EditSession
from autobyteus_coding_steps.options import StepOptions
from autobyteus_coding_steps.parsing.edit_blocks import (
    EditBlock,
    apply_edit_blocks,
    parse_edit_blocks,
    parse_edit_reply,
)
from hypothesis import HealthCheck, given, settings, strategies as st

SOURCE = (
    "import math\n\n\n"
    "def area(radius: float) -> float:\n"
    "    return math.pi * radius * radius\n\n\n"
    "def perimeter(radius: float) -> float:\n"
    "    return 2 * math.pi * radius\n"
)


def block(search: str, replace: str, path: str | None = None) -> str:
    label = f"`{path}`\n" if path else ""
    return f"{label}<<<<<<< SEARCH\n{search}\n=======\n{replace}\n>>>>>>> REPLACE\n"


def test_blocks_in_a_fence_with_a_path_apply_exactly() -> None:
    reply = (
        "Here is the change.\n\n`shapes/circle.py`\n```python\n"
        + block("def area(radius: float) -> float:", "def area(radius: float = 1.0) -> float:")
        + "```\n"
    )
    result = parse_edit_reply(reply, "shapes/circle.py", SOURCE)
    assert result.ok, result.report()
    assert result.value is not None
    assert "def area(radius: float = 1.0) -> float:\n" in result.value.content
    assert result.value.matches == ("block 1 exactly",)


def test_a_block_quoted_with_other_indentation_is_reindented_to_the_file() -> None:
    reply = block(
        "return 2 * math.pi * radius",
        "if radius < 0:\n    raise ValueError(radius)\nreturn 2 * math.pi * radius",
    )
    result = parse_edit_reply(reply, "c.py", SOURCE)
    assert result.ok, result.report()
    assert result.value is not None
    assert (
        "    if radius < 0:\n        raise ValueError(radius)\n    return 2" in result.value.content
    )
    assert result.value.matches == ("block 1 ignoring whitespace",)


def test_a_close_match_applies_only_above_the_threshold() -> None:
    slightly_off = "def perimeter(radius: float) -> float:\n    return 2 * math.pi * radius  # C"
    reply = block(
        slightly_off, "def perimeter(radius: float) -> float:\n    return math.tau * radius"
    )
    loose = parse_edit_reply(reply, "c.py", SOURCE)
    assert loose.ok, loose.report()
    assert loose.value is not None and "math.tau" in loose.value.content
    assert "close match" in loose.value.matches[0]
    strict = parse_edit_reply(reply, "c.py", SOURCE, similarity=0.99)
    assert not strict.ok
    assert "block 1 of 1 did not match; no block was applied" in strict.report()
    assert "most similar lines of the file, 8-9" in strict.report()


def test_a_failed_block_names_itself_and_the_blocks_that_were_applied() -> None:
    reply = (
        block("import math", "import math\nimport sys")
        + block("def volume(x):", "def volume(x): ...")
        + block("    return 2 * math.pi * radius", "    return math.tau * radius")
    )
    result = parse_edit_reply(reply, "c.py", SOURCE)
    assert not result.ok
    assert [e.message.split(".")[0] for e in result.errors] == [
        "block 2 of 3 did not match; blocks 1 and 3 were applied"
    ]
    assert result.value is not None  # what was applied, for the next attempt to build on
    assert result.value.applied == (1, 3)
    assert "import sys" in result.value.content and "math.tau" in result.value.content


def test_a_block_matching_two_places_is_ambiguous() -> None:
    text = "x = 1\ny = 2\nx = 1\n"
    result = parse_edit_reply(block("x = 1", "x = 3"), "a.py", text)
    assert not result.ok
    assert "block 1 of 1 matches 2 places (exactly: lines 1-1, 3-3)" in result.report()


def test_overlapping_blocks_are_refused_and_the_others_applied() -> None:
    reply = (
        block("def area(radius: float) -> float:\n    return math.pi * radius * radius", "A = 1")
        + block("    return math.pi * radius * radius", "    return 0.0")
        + block("import math", "import math  # used")
    )
    result = parse_edit_reply(reply, "c.py", SOURCE)
    messages = [e.message for e in result.errors]
    assert len(messages) == 2
    assert messages[0].startswith("block 1 of 3 overlaps block 2 (lines 4-5 and 5-5 of the file)")
    assert messages[1].startswith("block 2 of 3 overlaps block 1")
    assert "block 3 was applied" in messages[0]
    assert result.value is not None and result.value.content.startswith("import math  # used\n")


def test_an_edit_that_breaks_python_is_refused_whole() -> None:
    result = parse_edit_reply(block("import math", "import math ("), "c.py", SOURCE)
    assert result.value is None
    assert "after the edits, `c.py` is not valid Python" in result.report()
    assert "no block was applied" in result.report()


def test_a_replacement_eliding_code_is_refused_unless_the_file_had_that_comment() -> None:
    body = "def area(radius: float) -> float:\n    return math.pi * radius * radius"
    eliding = block(body, "def area(radius: float) -> float:\n    # ... existing code ...")
    refused = parse_edit_reply(eliding, "c.py", SOURCE)
    assert "block 1 of 1 leaves lines out (`# ... existing code ...`)" in refused.report()
    kept = "x = 1\n# ... existing code ...\n"
    same = parse_edit_reply(block(kept.rstrip(), "x = 2\n# ... existing code ..."), "k.py", kept)
    assert same.ok, same.report()


def test_a_block_for_a_control_folder_or_another_file_applies_nothing() -> None:
    reply = block("import math", "import os", "c.py") + block("[core]", "x", ".git/config")
    result = parse_edit_reply(reply, "c.py", SOURCE)
    assert result.value is None
    assert "block 2 of 2 is for `.git/config`: '.git' is a control folder" in result.report()
    other = parse_edit_reply(block("import math", "import os", "d.py"), "c.py", SOURCE)
    assert "this reply may edit only `c.py`" in other.report()


def test_crlf_files_keep_crlf_and_a_missing_final_newline_stays_missing() -> None:
    text = "a = 1\r\nb = 2\r\nc = 3"
    reply = block("b = 2", "b = 20").replace("\n", "\r\n")
    result = parse_edit_reply(reply, "x.py", text)
    assert result.ok, result.report()
    assert result.value is not None and result.value.content == "a = 1\r\nb = 20\r\nc = 3"


def test_malformed_blocks_are_fatal() -> None:
    cut = parse_edit_blocks("<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n")
    assert "opened at line 1 has no `>>>>>>> REPLACE` line" in cut.report()
    stray = parse_edit_blocks("x = 1\n>>>>>>> REPLACE\n")
    assert "no `<<<<<<< SEARCH` and `=======` before it" in stray.report()
    nested = parse_edit_blocks(
        "<<<<<<< SEARCH\na\n<<<<<<< SEARCH\nb\n=======\nc\n>>>>>>> REPLACE\n"
    )
    assert "has a new `<<<<<<< SEARCH` before its `=======` line" in nested.report()
    assert "has no edit block" in parse_edit_blocks("Sure, done.").report()


def test_an_empty_search_fills_an_empty_file_only() -> None:
    filled = parse_edit_reply(block("", "x = 1"), "n.py", "")
    assert filled.ok and filled.value is not None and filled.value.content == "x = 1"
    refused = parse_edit_reply(block("", "x = 1"), "n.py", SOURCE)
    assert "block 1 of 1 has an empty SEARCH part" in refused.report()


def test_a_re_ask_may_repeat_the_blocks_an_earlier_attempt_applied() -> None:
    session = EditSession("c.py", SOURCE, StepOptions())
    grow = block("import math", "import math\nimport sys")
    first = session.parse(grow + block("def volume(x):", "def volume(x): ..."))
    assert "block 2 of 2 did not match; block 1 was applied" in first.report()
    tau = block("    return 2 * math.pi * radius", "    return math.tau * radius")
    second = session.parse(grow + tau)
    assert second.ok, second.report()
    assert second.value is not None
    assert second.value.content.count("import sys") == 1 and "math.tau" in second.value.content


def test_a_reply_without_edit_blocks_is_read_as_the_whole_file() -> None:
    session = EditSession("c.py", SOURCE, StepOptions())
    whole = session.parse("```python\nimport math\n\nTAU = 2 * math.pi\n```\n")
    assert whole.ok and whole.value is not None
    assert whole.value.content == "import math\n\nTAU = 2 * math.pi\n"


# -- properties ----------------------------------------------------------------------------------

plain_line = (
    st.text(st.sampled_from("abcxyz_=()[]:#'\" \t1.é"), max_size=24)
    .map(lambda line: line.rstrip())
    .filter(lambda line: "=====" not in line)
)


@st.composite
def files_with_edits(draw: st.DrawFn) -> tuple[list[str], list[tuple[int, int, list[str]]]]:
    """A file of distinct lines and edits of disjoint, non-adjacent line ranges."""
    count = draw(st.integers(1, 30))
    lines = [f"line_{i} = {draw(plain_line)!r}" for i in range(count)]
    cuts = sorted(draw(st.sets(st.integers(0, count), min_size=2, max_size=8)))
    edits: list[tuple[int, int, list[str]]] = []
    for start, end in zip(cuts[::2], cuts[1::2], strict=False):
        if start < end:
            new = draw(st.lists(plain_line.map(lambda t: f"new = {t!r}"), max_size=3))
            edits.append((start, end, new))
    return lines, edits


@given(files_with_edits(), st.sampled_from(["\n", "\r\n"]), st.booleans(), st.booleans())
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_exact_blocks_apply_as_a_splice_of_the_file(
    case: tuple[list[str], list[tuple[int, int, list[str]]]],
    newline: str,
    fenced: bool,
    indented_differently: bool,
) -> None:
    lines, edits = case
    text = newline.join(lines) + newline
    shift = "  " if indented_differently else ""
    reply = "".join(
        block("\n".join(shift + x for x in lines[s:e]), "\n".join(shift + x for x in new))
        for s, e, new in edits
    )
    if fenced:
        reply = f"`pkg/mod.py`\n```python\n{reply}```\n"
    expected = list(lines)
    for start, end, new in reversed(edits):
        expected[start:end] = new
    result = parse_edit_reply(reply.replace("\n", newline), "pkg/mod.py", text)
    if not edits:
        assert result.value is None
        return
    assert result.ok, result.report()
    assert result.value is not None
    assert result.value.content == (newline.join(expected) + newline if expected else "")
    assert result.value.applied == tuple(range(1, len(edits) + 1))


@given(
    st.lists(
        st.sampled_from(
            ["<<<<<<< SEARCH", "=======", ">>>>>>> REPLACE", "x = 1", "", "```", "`a.py`", "y"]
        ),
        max_size=30,
    )
)
@settings(max_examples=300)
def test_the_parser_and_applier_never_raise(pieces: list[str]) -> None:
    reply = "\n".join(pieces)
    parsed = parse_edit_blocks(reply)
    assert parsed.ok or parsed.errors
    for one in parsed.value or []:
        assert isinstance(one, EditBlock) and one.line >= 1
    result = parse_edit_reply(reply, "a.py", "x = 1\ny = 2\n")
    if result.value is not None:
        compile(result.value.content, "a.py", "exec")
    if not result.ok:
        assert result.errors


@given(st.text(max_size=400), st.text(max_size=200))
@settings(max_examples=200)
def test_any_text_and_file_never_raise(reply: str, text: str) -> None:
    result = apply_edit_blocks("a.txt", text, [EditBlock(reply, "z", 1)])
    assert result.value is not None or result.errors

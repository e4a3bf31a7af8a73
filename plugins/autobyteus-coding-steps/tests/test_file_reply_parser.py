"""Reading one file's content out of a reply, and the files a reply names itself."""

from __future__ import annotations

from autobyteus_coding_steps.parsing.file_reply import parse_file_reply, parse_named_files_reply
from autobyteus_coding_steps.parsing.report import ParseIssue

GOOD = "def count(text):\n    return len(text.split())\n"


def test_single_block_is_the_file_with_one_trailing_newline() -> None:
    result = parse_file_reply(f"Here you go:\n```python\n\n{GOOD}\n\n```\nEnjoy!", "w/c.py")
    assert result.ok, result.report()
    assert result.value is not None
    assert result.value.path == "w/c.py"
    assert result.value.content == GOOD


def test_path_always_comes_from_the_caller() -> None:
    result = parse_file_reply(f"`../../etc/evil.py`\n```python\n{GOOD}```", "w/c.py")
    assert result.ok
    assert result.value is not None and result.value.path == "w/c.py"
    assert any("taken as `w/c.py`" in note.message for note in result.notes)


def test_block_labelled_with_the_path_wins_over_others() -> None:
    reply = f"`w/other.py`\n```python\nx = 1\n```\n`w/c.py`\n```python\n{GOOD}```"
    result = parse_file_reply(reply, "w/c.py")
    assert result.ok
    assert result.value is not None and result.value.content == GOOD
    assert any("ignored the block for `w/other.py`" in n.message for n in result.notes)


def test_usage_example_after_the_file_is_ignored_with_a_note() -> None:
    reply = f"```python\n{GOOD}```\nUsage:\n```python\nprint(count('a b'))\n```\n"
    result = parse_file_reply(reply, "w/c.py")
    assert result.ok
    assert result.value is not None and result.value.content == GOOD
    assert result.notes


def test_shell_block_does_not_compete_with_python() -> None:
    reply = (
        f"```bash\npip install nothing-at-all-that-is-long-enough-to-win\n```\n```python\n{GOOD}```"
    )
    result = parse_file_reply(reply, "w/c.py")
    assert result.value is not None and result.value.content == GOOD


def test_two_different_blocks_for_the_same_path_are_ambiguous() -> None:
    reply = f"`w/c.py`\n```python\n{GOOD}```\n`w/c.py`\n```python\nx = 2\n```"
    result = parse_file_reply(reply, "w/c.py")
    assert not result.ok
    assert "2 different blocks for `w/c.py`" in result.errors[0].message


def test_identical_duplicates_are_fine() -> None:
    reply = f"`w/c.py`\n```python\n{GOOD}```\nAgain:\n`w/c.py`\n```python\n{GOOD}```"
    result = parse_file_reply(reply, "w/c.py")
    assert result.ok
    assert any("identical" in n.message for n in result.notes)


def test_only_the_path_in_a_bash_fence_is_refused() -> None:
    result = parse_file_reply("```bash\nwordfreq/counter.py\n```", "wordfreq/counter.py")
    assert not result.ok
    assert "no code block with the content" in result.errors[0].message


def test_bare_python_without_fences_is_accepted_prose_is_not() -> None:
    accepted = parse_file_reply(GOOD, "w/c.py")
    assert accepted.ok and accepted.value is not None and accepted.value.content == GOOD
    refused = parse_file_reply("Sure, I can write that file for you.", "w/c.py")
    assert not refused.ok
    assert "no fenced code block" in refused.errors[0].message


def test_syntax_errors_are_quoted_with_their_line() -> None:
    result = parse_file_reply("```python\ndef f(:\n    pass\n```", "w/c.py")
    assert not result.ok
    [error] = result.errors
    assert "not valid Python" in error.message
    assert error.line == 1
    assert error.excerpt == "def f(:"


def test_cut_off_reply_says_so() -> None:
    result = parse_file_reply("```python\ndef f():\n    return [1,\n", "w/c.py")
    assert not result.ok
    assert "never closed" in result.errors[0].message


def test_unterminated_but_complete_block_is_accepted_with_a_note() -> None:
    result = parse_file_reply(f"```python\n{GOOD}", "w/c.py")
    assert result.ok
    assert any("never closed" in n.message for n in result.notes)


def test_elided_file_is_refused() -> None:
    reply = "```python\ndef new():\n    pass\n\n# ... rest of the code unchanged\n```"
    result = parse_file_reply(reply, "w/c.py")
    assert not result.ok
    assert "leaves part of `w/c.py` out" in result.errors[0].message
    assert result.errors[0].line == 4


def test_non_python_files_are_not_syntax_checked() -> None:
    result = parse_file_reply("```toml\n[project]\nname = 'x'\n```", "pyproject.toml")
    assert result.ok


def test_empty_and_oversized_replies() -> None:
    assert "empty" in parse_file_reply("  \n", "w/c.py").errors[0].message
    big = parse_file_reply("x" * 5_000_000, "w/c.py", max_chars=200_000)
    assert "5,000,000 characters" in big.errors[0].message


def test_named_files_are_each_checked_for_safety() -> None:
    reply = "`pkg/a.py`\n```python\na = 1\n```\n`../evil.py`\n```python\nb = 1\n```"
    result = parse_named_files_reply(reply)
    assert not result.ok
    assert any(e.excerpt == "../evil.py" for e in result.errors)


def test_named_files_are_read_and_unlabelled_blocks_noted() -> None:
    reply = "`pkg/a.py`\n```python\na = 1\n```\n```python\nprint(a)\n```\n~~~pkg/b.md\n# B\n~~~"
    result = parse_named_files_reply(reply)
    assert result.ok, result.report()
    assert result.value is not None
    assert [(f.path, f.content) for f in result.value] == [
        ("pkg/a.py", "a = 1\n"),
        ("pkg/b.md", "# B\n"),
    ]
    assert result.notes


def test_named_files_without_any_label_are_refused() -> None:
    result = parse_named_files_reply("```python\na = 1\n```")
    assert not result.ok
    assert "names no file" in result.errors[0].message


def test_a_readme_in_a_bare_fence_keeps_its_own_code_examples() -> None:
    readme = "# Tool\n\nInstall:\n\n```\npip install tool\n```\n\nThen run `tool`."
    result = parse_file_reply(f"Here it is:\n\n```\n{readme}\n```\n", "README.md")
    assert result.ok and result.value is not None
    assert result.value.content.rstrip("\n") == readme


def test_a_bare_fence_in_a_python_docstring_does_not_cut_the_file() -> None:
    source = (
        'def double(x: int) -> int:\n    """Twice ``x``.\n\n    ```\n    double(2)  # 4\n'
        '    ```\n    """\n    return 2 * x\n'
    )
    reply = f"Here is the module:\n\n```python\n{source}```\n\nUse it as shown.\n"
    result = parse_file_reply(reply, "calc/double.py")
    assert result.ok, result.report()
    assert result.value is not None
    assert result.value.content == source
    assert any("inside the code" in note.message for note in result.notes)
    assert not any("ignored" in note.message for note in result.notes)  # no block left out


def test_a_python_block_that_does_not_parse_however_it_is_read_is_still_refused() -> None:
    reply = "```python\ndef f(:\n```\nthen\n```\nmore prose\n```\n"
    result = parse_file_reply(reply, "pkg/f.py")
    assert not result.ok
    assert any(
        "does not parse" in issue.message or "syntax" in issue.message for issue in result.errors
    )


def test_trim_cut_applies_only_to_a_block_that_was_never_closed() -> None:
    def trim(content: str) -> tuple[str, ParseIssue]:
        return "x = 1\n", ParseIssue("trimmed", fatal=False)

    closed = parse_file_reply("```python\nx = 1\ny = (\n```", "a.py", trim_cut=trim)
    assert closed.value is not None and not closed.ok  # a closed block is the whole answer
    cut = parse_file_reply("```python\nx = 1\ny = (", "a.py", trim_cut=trim)
    assert cut.ok and cut.value is not None and cut.value.content == "x = 1\n"
    assert "trimmed" in [note.message for note in cut.notes]

"""Finding fenced blocks and the path each is labelled with."""

from __future__ import annotations

import pytest
from autobyteus_coding_steps.parsing.code_blocks import find_code_blocks


def test_plain_block_with_language() -> None:
    [block] = find_code_blocks("Intro\n```python\nx = 1\n```\nOutro")
    assert block.content == "x = 1"
    assert block.language == "python"
    assert block.terminated
    assert block.start_line == 2 and block.end_line == 4
    assert block.path_hint is None


def test_block_without_language_and_crlf() -> None:
    [block] = find_code_blocks("```\r\na = 1\r\nb = 2\r\n```\r\n")
    assert block.content == "a = 1\nb = 2"
    assert block.language is None


@pytest.mark.parametrize(
    "info",
    [
        "python src/x.py",
        "src/x.py",
        "python:src/x.py",
        'python title="src/x.py"',
        "py file=src/x.py",
    ],
)
def test_path_in_the_info_string(info: str) -> None:
    [block] = find_code_blocks(f"```{info}\nx = 1\n```")
    assert block.path_hint == "src/x.py"
    assert block.hint_source == "info string"


@pytest.mark.parametrize(
    "line",
    [
        "`src/x.py`",
        "**src/x.py**",
        "### src/x.py",
        "File: src/x.py",
        "Here is the updated `src/x.py`:",
        "1. `src/x.py`",
    ],
)
def test_path_on_the_line_before(line: str) -> None:
    [block] = find_code_blocks(f"{line}\n\n```python\nx = 1\n```")
    assert block.path_hint == "src/x.py"
    assert block.hint_source == "line before the block"


def test_a_line_naming_two_paths_labels_nothing() -> None:
    [block] = find_code_blocks("This replaces `a.py` and `b.py`:\n```python\nx = 1\n```")
    assert block.path_hint is None


def test_first_line_comment_path() -> None:
    [block] = find_code_blocks("```python\n# pkg/mod.py\nx = 1\n```")
    assert block.path_hint == "pkg/mod.py"
    assert block.content.startswith("# pkg/mod.py")


def test_tilde_fences_and_longer_closing_fence() -> None:
    [block] = find_code_blocks("~~~python\nx = '```'\n~~~~~\n")
    assert block.content == "x = '```'"
    [block] = find_code_blocks("````\ninner\n```\nstill inner\n````")
    assert block.content == "inner\n```\nstill inner"


def test_nested_fence_with_info_string_stays_inside() -> None:
    text = '```python\ndef f():\n    """Example:\n\n    ```python\n    f()\n    ```\n    """\n```\n'
    [block] = find_code_blocks(text)
    assert "```python" in block.content
    assert block.content.endswith('    """')


def test_markdown_file_with_bare_inner_fences_in_greedy_mode() -> None:
    text = "```markdown\n# Title\n\n```\npip install x\n```\n\nDone.\n```\n"
    [block] = find_code_blocks(text, greedy_markdown=True)
    assert block.content == "# Title\n\n```\npip install x\n```\n\nDone."
    plain = find_code_blocks(text)
    assert plain[0].content == "# Title\n"


def test_a_markdown_file_in_a_bare_or_path_only_fence_is_greedy_too() -> None:
    inner = "# Title\n\n```\npip install x\n```\n\nDone."
    for opening in ("```", "```README.md", "``` docs/guide.md"):
        [block] = find_code_blocks(f"{opening}\n{inner}\n```\n", greedy_markdown=True)
        assert block.content == inner, opening
    # a block tagged with another language, or labelled with another file, is not
    python = "```python\nx = 1\n```\ntext\n```\n"
    assert find_code_blocks(python, greedy_markdown=True)[0].content == "x = 1"
    labelled = "``` setup.py\nx = 1\n```\ntext\n```\n"
    assert find_code_blocks(labelled, greedy_markdown=True)[0].content == "x = 1"


def test_unterminated_block_runs_to_the_end() -> None:
    [block] = find_code_blocks("Sure:\n```python\ndef f():\n    return 1\n")
    assert not block.terminated
    assert block.content == "def f():\n    return 1\n"


def test_indented_fences_are_dedented() -> None:
    [block] = find_code_blocks("1. File:\n   ```python\n   def f():\n       pass\n   ```")
    assert block.content == "def f():\n    pass"


def test_several_blocks_in_order_and_inline_backticks_are_not_fences() -> None:
    text = "Use ```x``` inline.\n```a.py\n1\n```\ntext\n```b.py\n2\n```"
    blocks = find_code_blocks(text)
    assert [(b.path_hint, b.content) for b in blocks] == [("a.py", "1"), ("b.py", "2")]


def test_dotted_names_and_urls_are_not_paths() -> None:
    [block] = find_code_blocks("It uses collections.Counter, see https://x.org/a.py\n```\n1\n```")
    assert block.path_hint is None

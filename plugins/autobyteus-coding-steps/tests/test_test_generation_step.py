"""TestGenerationStep: a pytest file per generated module, checked against what modules define."""

from __future__ import annotations

from pathlib import Path

import pytest
from autobyteus_coding_steps import CodingPlan, CodingTests
from autobyteus_coding_steps.steps.test_generation_step import TestGenerationStep
from coding_steps_testkit.harness import FakeContext, MakeContext
from coding_steps_testkit.samples import (
    COUNTER_SOURCE,
    COUNTER_TESTS,
    TOP_SOURCE,
    TOP_TESTS,
    fenced,
)

from autobyteus_core import StepFailedError
from autobyteus_core.testing import ScriptedLLM

#: The two-module package most tests generate tests for.
WORDFREQ_PACKAGE = {
    "wordfreq/__init__.py": "",
    "wordfreq/counter.py": COUNTER_SOURCE,
    "wordfreq/top.py": TOP_SOURCE,
}


def _generated(context: FakeContext, files: dict[str, str]) -> None:
    for path, content in files.items():
        context.write_file(path, content)


async def test_one_test_file_per_module_with_the_modules_names_in_the_prompt(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"Write the test file `tests/test_counter.py`", fenced(COUNTER_TESTS))
    scripted_llm.on(r"Write the test file `tests/test_top.py`", fenced(TOP_TESTS))
    context = make_context()
    _generated(context, WORDFREQ_PACKAGE)
    result = await TestGenerationStep("test_generation").execute(context)
    assert (workspace / "tests/test_counter.py").read_text() == COUNTER_TESTS
    assert (workspace / "tests/test_top.py").read_text() == TOP_TESTS
    assert sorted(CodingTests.of(context).test_files) == [
        "tests/test_counter.py",
        "tests/test_top.py",
    ]
    prompts = {
        call.prompt.split("[The module `")[1].split("`")[0]: call.prompt
        for call in scripted_llm.calls
    }
    assert set(prompts) == {"wordfreq.counter", "wordfreq.top"}
    assert (
        "using only these names, which the module defines: count_words"
        in prompts["wordfreq.counter"]
    )
    assert "from wordfreq.counter import ..." in prompts["wordfreq.counter"]
    assert sorted(context.keys) == [  # type: ignore[type-var]
        "tests/test_counter.py/attempt-1",
        "tests/test_top.py/attempt-1",
    ]
    assert result.summary == "2 test files written"


async def test_a_package_file_that_only_re_exports_gets_no_tests_of_its_own(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.on(r"Write the test file `tests/test_counter.py`", fenced(COUNTER_TESTS))
    scripted_llm.on(r"Write the test file `tests/test_top.py`", fenced(TOP_TESTS))
    context = make_context()
    reexports = "from .counter import count_words\nfrom .top import top_words\n"
    _generated(context, {**WORDFREQ_PACKAGE, "wordfreq/__init__.py": reexports})
    result = await TestGenerationStep("test_generation").execute(context)
    assert sorted(CodingTests.of(context).test_files) == [
        "tests/test_counter.py",
        "tests/test_top.py",
    ]
    assert len(scripted_llm.calls) == 2 and result.summary == "2 test files written"


async def test_the_requirements_code_is_not_shown_twice_when_the_module_holds_it(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.on(r"Write the test file", fenced(COUNTER_TESTS))
    signature = "def count_words(text: str) -> dict[str, int]:"
    context = make_context()
    context.state.requirement = (
        f"Write `wordfreq/counter.py`:\n\n```python\n{signature}\n```\n\n"
        "```python\ndef other() -> None: ...\n```\n"
    )
    _generated(context, {"wordfreq/counter.py": COUNTER_SOURCE})
    await TestGenerationStep("test_generation").execute(context)
    prompt = scripted_llm.calls[0].prompt
    assert prompt.count(signature) == 1  # in the module only
    assert "(this code is in `wordfreq/counter.py`, shown below)" in prompt
    assert "def other() -> None: ..." in prompt  # code the module does not hold stays


async def test_importing_a_name_the_module_lacks_is_re_asked(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    wrong = "from wordfreq.counter import WordCounter\n\n\ndef test_x() -> None:\n    assert WordCounter\n"
    scripted_llm.queue(fenced(wrong), fenced(COUNTER_TESTS))
    context = make_context()
    _generated(context, {"wordfreq/counter.py": COUNTER_SOURCE})
    await TestGenerationStep("test_generation").execute(context)
    reask = scripted_llm.calls[1].prompt
    assert "`wordfreq.counter` has no `WordCounter` to import; it defines: re, count_words" in reask
    assert (workspace / "tests/test_counter.py").read_text() == COUNTER_TESTS


async def test_a_file_without_test_functions_is_re_asked(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.queue(fenced("from wordfreq.counter import count_words\n"), fenced(COUNTER_TESTS))
    context = make_context()
    _generated(context, {"wordfreq/counter.py": COUNTER_SOURCE})
    await TestGenerationStep("test_generation").execute(context)
    assert "has no test function" in scripted_llm.calls[1].prompt


async def test_tests_the_plan_already_wrote_are_kept(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    context = make_context()
    _generated(
        context, {"wordfreq/counter.py": COUNTER_SOURCE, "tests/test_counter.py": COUNTER_TESTS}
    )
    result = await TestGenerationStep("test_generation").execute(context)
    assert scripted_llm.calls == []
    assert CodingTests.of(context).test_files == ["tests/test_counter.py"]
    assert result.summary == "no modules needed new tests"


async def test_switched_off(make_context: MakeContext) -> None:
    result = await TestGenerationStep("test_generation", {"generate_tests": False}).execute(
        make_context()
    )
    assert result.summary.startswith("skipped")


async def test_a_module_whose_tests_cannot_be_written_fails_the_step(
    make_context: MakeContext, scripted_llm: ScriptedLLM
) -> None:
    scripted_llm.queue("no", "no", "no")
    context = make_context()
    _generated(context, {"wordfreq/counter.py": COUNTER_SOURCE})
    with pytest.raises(StepFailedError, match="tests could not be written for 1 of 1 modules"):
        await TestGenerationStep("test_generation").execute(context)


async def test_a_model_that_insists_gets_its_tests_written_with_a_note(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    wrong = "from wordfreq.counter import WordCounter\n\n\ndef test_x() -> None:\n    assert WordCounter\n"
    scripted_llm.queue(fenced(wrong), fenced(wrong), fenced(wrong))
    context = make_context()
    _generated(context, {"wordfreq/counter.py": COUNTER_SOURCE})
    result = await TestGenerationStep("test_generation").execute(context)
    assert (workspace / "tests/test_counter.py").read_text() == wrong
    [record] = result.output["files"].values()
    assert record["attempts"] == 3
    assert any("has no `WordCounter`" in note for note in record["notes"])


async def test_a_rerun_takes_a_recorded_test_file_it_already_wrote_without_asking_again(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"Write the test file `tests/test_counter.py`", fenced(COUNTER_TESTS))
    context = make_context()
    _generated(context, {"wordfreq/__init__.py": "", "wordfreq/counter.py": COUNTER_SOURCE})
    await TestGenerationStep("test_generation").execute(context)
    context.state.data.clear()  # interrupted before the test file was recorded as finished
    context.state.files_written.remove("tests/test_counter.py")
    CodingTests.of(context).test_files.clear()

    await TestGenerationStep("test_generation").execute(context)

    assert len(scripted_llm.calls) == 1
    assert CodingTests.of(context).test_files == ["tests/test_counter.py"]
    assert (workspace / "tests/test_counter.py").read_text() == COUNTER_TESTS


EXAMPLES_REQUIREMENT = (
    "Write `wordfreq/counter.py` with `count_words(text)` and `wordfreq/top.py` with\n"
    '`top_words(text, n)`. Examples: `count_words("A a b")` is `{"a": 2, "b": 1}`.\n'
)


async def test_the_requirements_examples_are_the_tests_of_the_functions_they_cover(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"Write the test file `tests/test_top.py`", fenced(TOP_TESTS))
    context = make_context()
    context.state.requirement = EXAMPLES_REQUIREMENT
    CodingPlan.of(context).requirement_document = (
        EXAMPLES_REQUIREMENT + "\n`count_words('x')` is `{}`"
    )
    _generated(context, WORDFREQ_PACKAGE)
    result = await TestGenerationStep("test_generation").execute(context)
    examples = (workspace / "tests/test_requirement_examples.py").read_text()
    assert "from wordfreq.counter import count_words\n" in examples
    assert 'assert count_words("A a b") == {"a": 2, "b": 1}\n' in examples
    assert "count_words('x')" not in examples  # the refined document's examples are not the user's
    # top_words has no stated example, so only its module is asked for tests.
    assert [
        c.prompt.count("Write the test file `tests/test_top.py`") for c in scripted_llm.calls
    ] == [1]
    assert sorted(CodingTests.of(context).test_files) == [
        "tests/test_requirement_examples.py",
        "tests/test_top.py",
    ]
    assert result.summary == "1 test files written, and 1 of the requirement's examples"
    assert result.output["examples"] == {"used": 1, "skipped": []}


async def test_examples_that_cover_every_named_function_make_the_llm_tests_optional(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"Write the test file `tests/test_counter.py`", fenced(COUNTER_TESTS))
    context = make_context()
    context.state.requirement = EXAMPLES_REQUIREMENT
    _generated(context, {"wordfreq/counter.py": COUNTER_SOURCE})
    result = await TestGenerationStep("test_generation").execute(context)
    assert scripted_llm.calls == []
    assert result.summary == "1 of the requirement's examples written as tests"
    assert CodingTests.of(context).test_files == ["tests/test_requirement_examples.py"]

    more = await TestGenerationStep("test_generation", {"tests_beyond_examples": True}).execute(
        context
    )
    assert len(scripted_llm.calls) == 1
    assert more.summary == "1 test files written, and 1 of the requirement's examples"

    off = make_context()
    off.state.requirement = EXAMPLES_REQUIREMENT
    (workspace / "tests/test_requirement_examples.py").unlink()
    _generated(off, {"wordfreq/counter.py": COUNTER_SOURCE})
    await TestGenerationStep("test_generation", {"example_tests": False}).execute(off)
    assert not (workspace / "tests/test_requirement_examples.py").exists()
    assert len(scripted_llm.calls) == 2


async def test_a_reply_cut_off_at_the_length_limit_keeps_the_tests_it_wrote_whole(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    runaway = "```python\nfrom wordfreq.counter import count_words\n\n\n" + "".join(
        f"def test_{n}() -> None:\n    assert count_words('a b') == {{'a': 1, 'b': 1}}\n\n\n"
        for n in range(400)
    )
    scripted_llm.queue(runaway)
    context = make_context()
    _generated(context, {"wordfreq/counter.py": COUNTER_SOURCE})
    result = await TestGenerationStep("test_generation").execute(context)
    (call,) = scripted_llm.calls  # taken at once: a re-ask would run away again
    assert call.options == {"max_tokens": 1024}
    assert call.reply is not None and call.reply.endswith("{'a': 1, 'b':")
    written = (workspace / "tests/test_counter.py").read_text()
    # 1024 words: 4 for the fence and the import, 12 per test; the 85th is cut after 8.
    assert written.count("def test_") == 84 and written.endswith("'b': 1}\n")
    assert "def test_84(" not in written
    (note,) = [n for n in result.output["files"]["tests/test_counter.py"]["notes"] if "cut" in n]
    assert "84 test function(s), and dropped the 2 line(s) the cut fell in" in note


async def test_a_test_that_ran_away_keeps_the_asserts_written_before_the_cut(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    runaway = "```python\nfrom wordfreq.counter import count_words\n\n\ndef test_x() -> None:\n" + (
        "".join(f"    assert count_words('w{n}') == {{'w{n}': 1}}\n" for n in range(400))
    )
    scripted_llm.queue(runaway)
    context = make_context()
    _generated(context, {"wordfreq/counter.py": COUNTER_SOURCE})
    await TestGenerationStep("test_generation").execute(context)
    assert len(scripted_llm.calls) == 1
    written = (workspace / "tests/test_counter.py").read_text()
    # 1024 words: 9 for the fence, the import and the header, 5 per assert; the cut falls at
    # the end of the 203rd, whose line goes all the same (the reply cannot say it was whole).
    assert written.count("assert ") == 202 and written.endswith("{'w201': 1}\n")


async def test_a_cut_off_reply_with_no_whole_test_is_re_asked_without_its_runaway_text(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    runaway = (
        "```python\nfrom wordfreq.counter import count_words\n\n\ndef test_x() -> None:\n"
        "    assert count_words('" + "a " * 400 + "') == {'a': 400}\n"
    )
    scripted_llm.max_tokens = 200
    scripted_llm.queue(runaway, fenced(COUNTER_TESTS))
    context = make_context()
    _generated(context, {"wordfreq/counter.py": COUNTER_SOURCE})
    await TestGenerationStep("test_generation").execute(context)
    assert (workspace / "tests/test_counter.py").read_text() == COUNTER_TESTS
    first, second = scripted_llm.calls
    assert second.messages[-2].role == "assistant"
    echoed = second.messages[-2].content
    assert echoed.startswith(first.reply[:400]) and len(echoed) < 500
    assert f"[... cut off: {len(first.reply or '')} characters in all]" in echoed
    assert "cut off at the length limit" in second.prompt


GIVEN_HELPER_REQUIREMENT = '''\
Write a Python module `solution.py` that defines the function `make_palindrome` below.

```python
def is_palindrome(string: str) -> bool:
    """ Test if given string is a palindrome """
    return string == string[::-1]


def make_palindrome(string: str) -> str:
    """ The shortest palindrome that begins with ``string``.
    >>> make_palindrome('cat')
    'catac'
    """
```
'''

PALINDROME_SOURCE = """\
def is_palindrome(string: str) -> bool:
    return string == string[::-1]


def make_palindrome(string: str) -> str:
    for i in range(len(string)):
        if is_palindrome(string[i:]):
            return string + string[:i][::-1]
    return string
"""


async def test_a_function_whose_code_the_requirement_gives_is_not_the_work_to_test(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"Write the test file `tests/test_solution.py`", fenced(COUNTER_TESTS))
    context = make_context()
    context.state.requirement = GIVEN_HELPER_REQUIREMENT
    _generated(context, {"solution.py": PALINDROME_SOURCE})
    result = await TestGenerationStep("test_generation").execute(context)
    # make_palindrome, the one function left to write, has the requirement's example
    assert scripted_llm.calls == []
    assert result.summary == "1 of the requirement's examples written as tests"
    examples = (workspace / "tests/test_requirement_examples.py").read_text()
    assert "assert make_palindrome('cat') == 'catac'" in examples

    stub = GIVEN_HELPER_REQUIREMENT.replace(
        "    return string == string[::-1]\n", "    raise NotImplementedError\n"
    )
    again = make_context()
    again.state.requirement = stub
    _generated(again, {"solution.py": PALINDROME_SOURCE})
    await TestGenerationStep("test_generation").execute(again)
    assert len(scripted_llm.calls) == 1  # a stub is work: is_palindrome has no example


SHIFT_REQUIREMENT = '''\
Write a Python module `solution.py` that defines the function `decode_shift` below.

```python
def encode_shift(s: str) -> str:
    """Shift every letter by 5."""
    return "".join(chr((ord(c) + 5 - 97) % 26 + 97) for c in s)


def decode_shift(s: str) -> str:
    """Undo encode_shift."""
```
'''


#: The given ``encode_shift`` as the requirement has it, and the module with ``decode_shift``.
SHIFT_ENCODE = SHIFT_REQUIREMENT.split("```python\n")[1].split("\n\n\ndef decode_shift")[0] + "\n"
SHIFT_SOURCE = SHIFT_ENCODE + (
    '\n\ndef decode_shift(s: str) -> str:\n    return "".join(chr((ord(c) - 5 - 97) % 26 + 97) for c in s)\n'
)


async def test_given_code_is_named_in_the_prompt_to_be_used_not_tested(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.on(r"Write the test file `tests/test_solution.py`", fenced(COUNTER_TESTS))
    context = make_context()
    context.state.requirement = SHIFT_REQUIREMENT
    _generated(context, {"solution.py": SHIFT_SOURCE, "helpers.py": SHIFT_ENCODE})
    await TestGenerationStep("test_generation").execute(context)
    # helpers.py holds only the requirement's own code: no tests are asked for it.
    (call,) = scripted_llm.calls
    assert "these names, which the module defines: encode_shift, decode_shift;" in call.prompt
    assert (
        "- `encode_shift` is the requirement's own code, right as given: write no test of it "
        "alone, but use it to check the other functions where it helps;\n- write three"
        in call.prompt
    )


ENCODE_TEST = 'def test_encode() -> None:\n    assert encode_shift("abc") == "xyz"\n'
ROUND_TRIP_TEST = (
    'def test_round_trip() -> None:\n    assert decode_shift(encode_shift("abc")) == "abc"\n'
)
SHIFT_IMPORT = "from solution import decode_shift, encode_shift\n\n\n"


async def test_tests_of_the_requirements_own_code_only_are_left_out(
    make_context: MakeContext, scripted_llm: ScriptedLLM, workspace: Path
) -> None:
    scripted_llm.queue(
        fenced(SHIFT_IMPORT + ENCODE_TEST),  # only the given function: asked again
        fenced(SHIFT_IMPORT + "@pytest.mark.skip\n" + ENCODE_TEST + "\n\n" + ROUND_TRIP_TEST),
    )
    context = make_context()
    context.state.requirement = SHIFT_REQUIREMENT
    _generated(context, {"solution.py": SHIFT_SOURCE})
    result = await TestGenerationStep("test_generation").execute(context)
    _, second = scripted_llm.calls
    assert (
        "`test_encode` test only `encode_shift`, which the requirement gives and is right as it "
        "is: test `decode_shift` instead" in second.prompt
    )
    # The second reply's test of encode_shift goes, decorator and all; the round trip stays.
    written = (workspace / "tests/test_solution.py").read_text()
    assert written == "import pytest\n" + SHIFT_IMPORT + ROUND_TRIP_TEST
    notes = result.output["files"]["tests/test_solution.py"]["notes"]
    assert any("left out `test_encode`: it uses only `encode_shift`" in note for note in notes)

"""The plan parser is linear in the reply's size, and parsing never blocks the event loop.

The issue's crafted plan (13,000 bare task headings, 199 KB) took 77 s per parse: every pair of
tasks was checked for a link. Lines with long runs of white space were worse (a heading with
20,000 spaces took minutes: patterns with adjacent optional white space backtracked over it).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import autobyteus_coding_steps.parsing.dependencies as dependencies
import pytest
from autobyteus_coding_steps.parsing.tasks import MAX_SUBTASKS, parse_subtasks

from autobyteus_core.testing import write_plugin_folder

BARE_HEADINGS = "".join(f"Task {n}: abc\n" for n in range(1, 13_001))


def test_the_crafted_plan_is_refused_without_pairing_its_tasks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert 190_000 < len(BARE_HEADINGS) < 200_000
    pairs = 0
    original = dependencies._linked

    def counted(a: dependencies._Profile, b: dependencies._Profile) -> bool:
        nonlocal pairs
        pairs += 1
        if pairs > 100_000:  # the quadratic version would go on for 84 million
            raise AssertionError("the dependency check pairs every task with every other")
        return original(a, b)

    monkeypatch.setattr(dependencies, "_linked", counted)
    result = parse_subtasks(BARE_HEADINGS)
    assert not result.ok and result.value is None
    # (headings number up to 9999: the rest are lines of the last task)
    assert [issue.message for issue in result.issues] == [
        f"the plan has 9999 tasks; a plan has at most {MAX_SUBTASKS}: merge small tasks into "
        "larger ones"
    ]
    assert pairs == 0
    largest = "".join(f"Task {n}: t\n" for n in range(1, MAX_SUBTASKS + 1))
    assert len(parse_subtasks(largest).value or []) == MAX_SUBTASKS
    assert pairs <= MAX_SUBTASKS * (MAX_SUBTASKS - 1) // 2


#: Replies under the size limit that made a pattern backtrack over a long run (each took from
#: seconds to minutes before), or made the parser copy the rest of a line once per token.
CRAFTED = {
    "heading with a run of spaces": "#### Task 1: a" + " " * 20_000 + "b\n",
    "field with a run of spaces": "#### Task 1: a\n- Objective: x" + " " * 20_000 + "y\n",
    "hash then spaces": "#" + " " * 20_000 + "x\n",
    "tabs before a field name": "\t" * 20_000 + "Objective\n",
    "tokens on one line": "#task start# " * 15_000 + "\n",
    "junk around a path": "#### Task 1: a\n- File Specification: " + "`." * 50_000 + "a.py\n",
    "dot-slash prefixes": "#### Task 1: a\n- File Specification: " + "./" * 50_000 + "a.py\n",
    "many paths": "#### Task 1: a\n- File Specification: "
    + " ".join(f"m{n}.py" for n in range(25_000))
    + "\n",
}


def test_crafted_replies_parse_quickly() -> None:
    """Each crafted reply is parsed in a child process; the timeout is only a guard (the slowest
    took minutes before, milliseconds now), nothing measures time."""
    script = textwrap.dedent(
        """
        import json, sys
        from autobyteus_coding_steps.parsing.tasks import parse_subtasks
        for name, reply in json.load(sys.stdin).items():
            result = parse_subtasks(reply)
            print(name, result.ok, flush=True)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(CRAFTED),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert [line.rsplit(" ", 1)[0] for line in done.stdout.splitlines()] == list(CRAFTED)


def test_tokens_at_both_ends_of_a_line_are_still_split_off() -> None:
    plan = "#### Task 1: One\n**#task start#** - **Objective**: first #task end#\n"
    assert [t.objective for t in parse_subtasks(plan).value or []] == ["first"]


SLOW_PLUGIN = '''
"""A step whose reply takes "forever" to parse, like a plan crafted against the parser."""

import os
import time
from pathlib import Path

from autobyteus_coding_steps.parsing.report import ParseResult
from autobyteus_coding_steps.steps.coding_step import CodingStep
from autobyteus_core import Message, StepResult, StepsTemplateConfig, WorkflowDefinition, hookimpl


class SlowParse(CodingStep):
    name = "slow_parse"
    description = "parse one reply, slowly"

    async def execute(self, context):
        def parse(reply):
            Path(os.environ["PARSING_MARK"]).write_text("parsing")
            time.sleep(600)
            return ParseResult(reply)

        await self.ask(
            context, [Message.user("a plan, please")], key="plan", parse=parse,
            what="the plan", instruction="again",
        )
        return StepResult(summary="parsed")


@hookimpl
def register_steps(register):
    register(SlowParse)


@hookimpl
def register_workflows(register):
    register(WorkflowDefinition(name="slow", steps={"slow": StepsTemplateConfig(step="slow_parse")}))
'''


@pytest.mark.skipif(os.name != "posix", reason="uses POSIX signals")
def test_ctrl_c_stops_a_run_while_a_reply_is_being_parsed(tmp_path: Path) -> None:
    plugin_dir = write_plugin_folder(
        tmp_path / "plugin", "slow_parse_steps", SLOW_PLUGIN, dist="slow-parse"
    )
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps({"rules": [{"match": "plan", "reply": "a plan"}]}))
    mark = tmp_path / "parsing"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AUTOBYTEUS_")},
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(plugin_dir), os.environ.get("PYTHONPATH")])
        ),
        "AUTOBYTEUS_LOAD_PLUGINS": "slow-parse,autobyteus-coding-steps",
        "AUTOBYTEUS_LOG_FORMAT": "json",
        "PARSING_MARK": str(mark),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "autobyteus_core.cli", "run", "anything", "--workspace",
         str(tmp_path / "ws"), "--model", f"scripted:{replies}", "--workflow", "slow"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        for _ in range(1200):  # until the parse has begun (or the run ended without it)
            if mark.exists() or process.poll() is not None:
                break
            time.sleep(0.1)
        assert mark.exists(), process.communicate()
        process.send_signal(signal.SIGINT)
        # only a guard: a parse on the event loop would hold the run for 600 s
        stdout, stderr = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 3, stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert "Cancelling" in stderr

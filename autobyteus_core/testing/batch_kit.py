"""A scripted batch for tests of ``autobyteus batch`` and of batch executors.

:func:`make_batch` writes, under a folder: a tiny plugin (a module and a ``.dist-info`` with an
``autobyteus`` entry point, discoverable by any process given :attr:`ScriptedBatch.env`) whose
workflow ``batch_kit`` makes ``CALLS`` keyed LLM calls in each of two steps; a replies file for
the ``scripted`` provider; and a spec folder of requirement files. Items whose requirement says
``FAIL-ME`` fail (their second call's reply makes the step raise), one requirement file is not
UTF-8, and items saying ``CRASH-ONCE`` end their process in the middle of their second step
the first time they run (after the calls made so far are saved), as a lost worker does; items
saying ``HOLD-ONCE`` wait, the first time, after their first step's last call until they are
cancelled (a ``held-once`` file in the workspace says they got there). Every
served call is logged to :attr:`ScriptedBatch.log` (prompt hashes), across processes.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from autobyteus_core.testing.plugin_folder import write_plugin_folder

#: Keyed LLM calls each of the two steps makes.
CALLS = 2
STEPS = ("first", "second")
#: What the workflow's steps ask per item.
CALLS_PER_ITEM = CALLS * len(STEPS)

_PLUGIN = '''
"""The batch kit's steps: keyed LLM calls, one file per call."""

import asyncio
import os

from autobyteus_core import hookimpl
from autobyteus_core.llm.message import Message
from autobyteus_core.workflow.base_step import BaseStep
from autobyteus_core.workflow.errors import StepFailedError
from autobyteus_core.workflow.step_context import StepResult
from autobyteus_core.workflow.steps_template_config import StepsTemplateConfig, WorkflowDefinition


class KitChat(BaseStep):
    name = "batch_kit_chat"
    description = "keyed LLM calls, one file per call"

    async def execute(self, context):
        for i in range(1, CALLS + 1):
            key = f"{context.step_id}-{i}"
            reply = await context.complete(
                [Message.user(f"call {key} of {context.requirement}")], key=key
            )
            if reply.text.startswith("FAIL"):
                raise StepFailedError(f"scripted failure at {key}")
            context.write_file(f"out/{key}.txt", reply.text)
            held = context.workspace.root / "held-once"
            if "HOLD-ONCE" in context.requirement and key == "first-2" and not held.exists():
                held.write_text("", encoding="utf-8")
                await asyncio.sleep(600)  # until the batch is cancelled
            marker = context.workspace.root / "crashed-once"
            if "CRASH-ONCE" in context.requirement and key == "second-1" and not marker.exists():
                await context.checkpoint()
                marker.write_text("", encoding="utf-8")
                os._exit(17)
        return StepResult(summary="chatted")


@hookimpl
def register_steps(register):
    register(KitChat)


@hookimpl
def register_workflows(register):
    register(
        WorkflowDefinition(
            name="batch_kit",
            steps={step: StepsTemplateConfig(step="batch_kit_chat") for step in STEPS},
        )
    )
'''


@dataclass
class ScriptedBatch:
    """What :func:`make_batch` wrote, and the environment a process needs to run it."""

    spec: Path
    plugin: Path
    replies: Path
    log: Path
    env: dict[str, str]
    item_ids: list[str] = field(default_factory=list)
    failing: list[str] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)

    @property
    def model(self) -> str:
        """The model id of the scripted replies."""
        return f"scripted:{self.replies}"

    def served(self) -> list[str]:
        """The prompt hash of every call served so far, in order."""
        if not self.log.exists():
            return []
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["prompt_sha256"] for line in lines if line.strip()]

    def served_twice(self) -> list[str]:
        """Prompt hashes served more than once (every prompt of the batch is unique)."""
        return [digest for digest, n in Counter(self.served()).items() if n > 1]

    def plugin_module(self) -> ModuleType:
        """The kit's plugin imported in this process (for ``register_plugin``)."""
        import importlib.util

        spec = importlib.util.spec_from_file_location("batch_kit_steps", self.plugin)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def command(self, *args: str) -> list[str]:
        """``autobyteus ARGS`` run with this interpreter."""
        return [sys.executable, "-m", "autobyteus_core.cli", *args]

    def run_command(self, out: Path, *extra: str) -> list[str]:
        """``autobyteus batch run`` of this batch into ``out``, with ``extra`` options."""
        return self.command(
            "batch", "run", str(self.spec), "--out", str(out), "--model", self.model,
            "--workflow", "batch_kit", *extra,
        )  # fmt: skip

    @staticmethod
    def results(out: Path) -> list[dict[str, Any]]:
        """Every line of ``out/results.jsonl``, in order."""
        path = out / "results.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    def latest(self, out: Path) -> dict[str, dict[str, Any]]:
        """The last line of each item."""
        return {line["id"]: line for line in self.results(out)}

    def check_complete(self, out: Path) -> dict[str, dict[str, Any]]:
        """Assert that every item has its final line (succeeded, failed at the scripted
        failure, or the bad file's error), that the good ones wrote their files, and that no
        call was served twice; return the last lines."""
        latest = self.latest(out)
        assert sorted(latest) == self.item_ids, sorted(latest)
        for item_id, line in latest.items():
            if item_id in self.bad:
                assert line["status"] == "error", line
                assert "is not UTF-8" in line["error"] and f"{item_id}.md" in line["error"]
                continue
            if item_id in self.failing:
                assert line["status"] == "failed", line
                assert "scripted failure at second-2" in line["error"]
            else:
                assert line["status"] == "succeeded", line
                assert sorted(line["files"]) == sorted(
                    f"out/{step}-{i}.txt" for step in STEPS for i in range(1, CALLS + 1)
                )
                assert (out / item_id / "out" / "second-2.txt").read_text() == "ok"
            assert line["run_id"] == f"batch-{item_id}"
            assert line["usage"]["calls"] == CALLS_PER_ITEM
        assert self.served_twice() == []
        return latest


def make_batch(
    root: Path,
    items: int = 20,
    *,
    failing: tuple[int, ...] = (3, 11),
    bad: tuple[int, ...] = (7,),
    crash_once: tuple[int, ...] = (),
    hold_once: tuple[int, ...] = (),
    delay_s: float = 0.0,
    tag: str = "",
    log: Path | None = None,
) -> ScriptedBatch:
    """Write a batch of ``items`` requirement files (numbered from 1) under ``root``.

    Batches that share a call ``log`` (one Ray cluster's workers) need distinct ``tag``s, which
    their requirements start with, so no two ask the same prompt."""
    source = _PLUGIN.replace("CALLS + 1", str(CALLS + 1)).replace("STEPS", repr(STEPS))
    plugin = write_plugin_folder(
        root / "kit-plugin", "batch_kit_steps", source, dist="batch-kit-steps"
    )
    replies = root / "replies.json"
    rules = [
        {"match": r"second-2 of .*FAIL-ME", "reply": "FAIL"},
        {"match": "call ", "reply": "ok"},
    ]
    replies.write_text(json.dumps({"rules": rules}), encoding="utf-8")
    spec = root / "spec"
    spec.mkdir(exist_ok=True)
    batch = ScriptedBatch(
        spec=spec,
        plugin=plugin / "batch_kit_steps.py",
        replies=replies,
        log=log or root / "served.jsonl",
        env={},
    )
    for number in range(1, items + 1):
        item_id = f"item-{number:02d}"
        path = spec / f"{item_id}.md"
        batch.item_ids.append(item_id)
        if number in bad:
            path.write_bytes(b"\xff\xfe not UTF-8 \x80")
            batch.bad.append(item_id)
            continue
        words = [f"{tag}Requirement {number}: a tool numbered {number}."]
        if number in failing:
            words.append("FAIL-ME")
            batch.failing.append(item_id)
        if number in crash_once:
            words.append("CRASH-ONCE")
        if number in hold_once:
            words.append("HOLD-ONCE")
        path.write_text(" ".join(words) + "\n", encoding="utf-8")
    batch.env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(plugin), os.environ.get("PYTHONPATH")])),
        "AUTOBYTEUS_STRICT_PLUGINS": "1",
        "AUTOBYTEUS_SCRIPTED_LOG": str(batch.log),
        "AUTOBYTEUS_SCRIPTED_DELAY": str(delay_s),
        "AUTOBYTEUS_LOG_FORMAT": "json",
    }
    batch.env.pop("AUTOBYTEUS_MODEL", None)
    return batch

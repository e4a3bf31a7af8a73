"""Resume: a real ``autobyteus run`` killed with SIGKILL halfway, completed by ``autobyteus resume``.

The run is a subprocess of the project's ``autobyteus`` (the ``openai`` provider of
``autobyteus-openai``, base URL and key set by environment variables) against the testing kit's
loopback OpenAI-compatible server in this process, which answers with replies synthesised from
the prompts (``_synthetic_project.py``: N independent modules and their tests) after
``--latency`` seconds. Once the server has answered half of the run's LLM calls, the script
kills the run's process group with SIGKILL at a moment when every call the server answered is
in the run's transcript (a reply still on its way when the process dies is lost, and that race
is not what is measured). ``autobyteus resume RUN_ID`` then
completes it, ``run_tests`` included (real pytest).

From the server's request log: the calls answered before the kill that resuming asked again
(goal: 0) — a call for the same thing (the same file, the same module's tests), whether its
prompt is identical or not — the calls in flight at the kill (never answered, so necessarily sent again), and the
tokens resuming saved — those of every answered call it did not ask again, which a restart from
scratch would pay a second time (counted as the loopback server counts them: words).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import _synthetic_project as project
from _common import VENV_BIN, header, verdict
from autobyteus_openai.testing import OpenAIServer, RecordedRequest

MODEL = "gpt-4o-mini"


def call_key(request: RecordedRequest) -> str:
    """What makes two requests the same call: their messages."""
    body = request.body if isinstance(request.body, dict) else {}
    return json.dumps(body.get("messages"), sort_keys=True)


def subject(request: RecordedRequest) -> str:
    """What a request asks for (a file, a module's tests...), whatever the prompt's wording."""
    return project.call_subject(request.prompt)


def tokens(request: RecordedRequest) -> int:
    """Prompt and completion tokens of an answered request, counted as the loopback server
    counts them (whitespace-separated words)."""
    body = request.body if isinstance(request.body, dict) else {}
    prompt = sum(len(str(m.get("content") or "").split()) for m in body.get("messages") or [])
    reply = request.reply.text if request.reply is not None else ""
    return prompt + len(reply.split())


def answered(request: RecordedRequest) -> bool:
    """Whether the server sent this request its (successful) reply."""
    return request.status == 200


def environment(server: OpenAIServer) -> dict[str, str]:
    """The environment of the autobyteus subprocesses."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOBYTEUS_", "OPENAI_"))}
    env.update(
        AUTOBYTEUS_MODEL=f"openai:{MODEL}",
        AUTOBYTEUS_OPENAI__BASE_URL=server.url,
        AUTOBYTEUS_OPENAI__API_KEY="sk-benchmark",
        AUTOBYTEUS_LOG_FORMAT="json",
    )
    return env


def recorded_calls(workspace: Path) -> int:
    """LLM calls the run has recorded so far (``llm_call`` lines of its transcript)."""
    count = 0
    for transcript in (workspace / ".autobyteus" / "runs").glob("*/transcript.jsonl"):
        with contextlib.suppress(OSError):
            text = transcript.read_text(encoding="utf-8")
            count += sum(
                '"type": "llm_call"' in line
                for line in text.splitlines(keepends=True)
                if line.endswith("\n")
            )
    return count


def kill_halfway(
    process: subprocess.Popen[bytes], server: OpenAIServer, half: int, workspace: Path
) -> tuple[list[RecordedRequest], list[RecordedRequest], int]:
    """SIGKILL the run's process group once ``half`` calls have been answered, at a moment when
    every answered call is in the run's transcript. Returns the requests answered and those still in
    flight at that moment (the server may answer them after, to a dead process), and the number
    of calls the run had recorded."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the run ended (exit {process.returncode}) before it was killed")
        requests = server.completion_requests
        # Which were answered is read now, before the transcript: a request the server answers
        # after this moment may die with the process unrecorded, so it counts as in flight.
        finished = [r for r in requests if answered(r)]
        if len(finished) >= half:
            recorded = recorded_calls(workspace)
            if recorded >= len(finished):
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                taken = {id(r) for r in finished}
                return finished, [r for r in requests if id(r) not in taken], recorded
        time.sleep(0.005)
    raise SystemExit("the run never reached half of its calls")


def main(count: int, latency: float, concurrency: int) -> None:
    """Run, kill, resume, and print."""
    header(
        f"resume: `autobyteus run` of {count} subtasks killed halfway (SIGKILL), then "
        f"`autobyteus resume`; loopback server {latency * 1000:.0f} ms per reply"
    )
    autobyteus = str(VENV_BIN / "autobyteus")
    total = project.llm_calls(count)
    with (
        OpenAIServer(models=[MODEL], latency_s=latency) as server,
        tempfile.TemporaryDirectory(prefix="autobyteus-resume-") as tmp,
    ):
        project.script_server(server, count)
        workspace = Path(tmp) / "project"
        project.write_workspace_config(workspace, count)
        env = environment(server)
        common = ["--workspace", str(workspace), "--max-concurrency", str(concurrency)]
        with open(Path(tmp) / "run.log", "wb") as output:
            process = subprocess.Popen(
                [autobyteus, "run", project.requirement(count), *common],
                stdout=output,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
            done, in_flight, recorded = kill_halfway(process, server, total // 2, workspace)
        before = server.completion_requests
        runs = sorted((workspace / ".autobyteus" / "runs").iterdir())
        if len(runs) != 1:
            raise SystemExit(f"expected one run in {workspace}, found {len(runs)}")
        run_id = runs[0].name
        started = time.monotonic()
        resumed = subprocess.run(
            [autobyteus, "resume", run_id, *common], capture_output=True, env=env, check=False
        )
        resume_s = time.monotonic() - started
        if resumed.returncode != 0:
            raise SystemExit(
                f"`autobyteus resume` exited with {resumed.returncode}:\n"
                + resumed.stdout.decode(errors="replace")[-3000:]
                + resumed.stderr.decode(errors="replace")[-3000:]
            )
        after = server.completion_requests[len(before) :]
        modules = sorted((workspace / project.PACKAGE).glob("m*.py"))
    done_subjects = {subject(r) for r in done}
    reissued = [r for r in after if subject(r) in done_subjects]
    same_prompt = {call_key(r) for r in done}
    replayable = [r for r in reissued if call_key(r) in same_prompt]
    paid_again = {subject(r) for r in reissued}
    saved = sum(tokens(r) for r in done if subject(r) not in paid_again)
    resume_tokens = sum(tokens(r) for r in after if answered(r))
    print(f"run {run_id}: {len(done) + len(in_flight)} of {total} calls sent before the kill")
    print(f"  answered before the kill: {len(done)} ({sum(tokens(r) for r in done)} tokens)")
    print(f"  recorded in the run's transcript at the kill: {recorded}")
    print(f"  in flight at the kill (never answered, sent again): {len(in_flight)}")
    print(
        f"resume: {len(after)} calls ({resume_tokens} tokens) in {resume_s:.2f} s; run "
        f"succeeded with {len(modules)} of {count} modules"
    )
    kinds = Counter(project.phase_of(r.prompt) for r in after)
    print(f"  by kind: {', '.join(f'{kind} {n}' for kind, n in kinds.items())}")
    print(
        f"  answered calls asked again: {len(reissued)} (goal 0); with the same prompt: "
        f"{len(replayable)}, with a changed prompt: {len(reissued) - len(replayable)}"
    )
    for request in reissued:
        print(f"    asked again: {subject(request)}")
    print(f"  tokens resuming saved (answered calls not paid twice): {saved}")
    if len(done) + len(after) - len(reissued) != total:
        print(
            f"  note: {len(done) + len(after) - len(reissued)} distinct calls answered for a "
            f"run of {total} (re-asks of unusable replies, or calls the kill interrupted)"
        )
    print(
        f"SUMMARY resume: killed after {len(done)} of {total} calls answered; resume re-issued "
        f"{len(reissued)} answered calls (goal 0: {verdict(not reissued)}), re-sent "
        f"{len(in_flight)} in flight, saved {saved} tokens"
    )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--subtasks", type=int, default=8, help="independent subtasks")
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per reply")
    parser.add_argument("--max-concurrency", type=int, default=4, help="subtasks run at once")
    parser.add_argument("--quick", action="store_true", help="4 subtasks, 100 ms per reply")
    args = parser.parse_args(argv)
    if args.quick:
        args.subtasks, args.latency = 4, 0.1
    return args


if __name__ == "__main__":
    options = parse_args(sys.argv[1:])
    main(options.subtasks, options.latency, options.max_concurrency)

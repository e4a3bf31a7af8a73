"""Asking the LLM for a reply a parser accepts: re-ask with the problems quoted, then give up.

Every call goes through ``context.complete`` with a stable key (``<key>/attempt-<n>``), so the
engine records each raw reply in the transcript and replays it on resume.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from autobyteus_coding_steps.parsing.report import ParseIssue, ParseResult
from autobyteus_coding_steps.parsing.text import clip_middle
from autobyteus_core import StepFailedError

if TYPE_CHECKING:
    from autobyteus_core import Message, PromptTemplate, WorkflowContext

T = TypeVar("T")
R = TypeVar("R")

#: How much of a rejected reply is echoed back as the assistant turn of a re-ask.
ECHO_CHARS = 3_000
#: How much of a reply cut off at the length limit is echoed: a small model that ran away
#: (repeating one test for 2,048 tokens) would otherwise be shown 3,000 characters of the loop.
CUT_ECHO_CHARS = 400
CUT_OFF = (
    "the reply was cut off at the length limit after {chars} characters, before it ended: "
    "the whole answer must fit, so keep it short and never repeat lines"
)


@dataclass
class Answer(Generic[T]):
    """An accepted value, the notes the parser made about it, and the attempts it took."""

    value: T
    notes: list[ParseIssue] = field(default_factory=list)
    attempts: int = 1
    reply: str = ""


class ReplyRejectedError(StepFailedError):
    """Every attempt at a reply was unusable; the message is the parse report of each."""

    def __init__(self, message: str, what: str, reports: list[str]) -> None:
        super().__init__(message)
        self.what = what
        self.reports = reports


async def ask(
    context: WorkflowContext,
    messages: Sequence[Message],
    *,
    key: str,
    parse: Callable[[str], ParseResult[T]],
    what: str,
    instruction: str,
    reask: PromptTemplate,
    max_attempts: int,
    applied: Callable[[T], bool] | None = None,
    cut_ok: bool = False,
    options: Mapping[str, Any] | None = None,
) -> Answer[T]:
    """Call the LLM (with the call ``options``, such as ``max_tokens``) until ``parse`` accepts
    its reply, at most ``max_attempts`` times.

    With ``applied``, a reply recorded for ``key`` in an earlier execution of the step (the run
    was interrupted after the reply came and before the step recorded its work as done) is
    taken without a call when ``parse`` accepts it and ``applied`` says its value is already in
    effect (the file it writes holds exactly that): the prompt would now differ, since it
    shows that file, so the recorded reply could not be replayed and would be paid again.

    On the last attempt, a reply whose only fatal issues are ``soft`` ones is taken, the issues
    kept as notes. A reply cut off at the length limit is one of those, unless ``cut_ok`` (the
    parser keeps only what such a reply wrote whole), when it is taken at once if it parses.

    After an unusable reply the conversation continues with that reply (clipped) and a message
    rendered from ``reask`` quoting each problem and repeating ``instruction``. When no attempt
    succeeds, raises :class:`ReplyRejectedError` naming ``what`` was asked and every problem.
    """
    from autobyteus_core import Message

    if applied is not None:
        earlier = await recorded_answer(context, key, parse, max_attempts)
        if earlier is not None and applied(earlier.value):
            context.log.info("recorded reply already applied", what=what, key=key)
            return earlier
    conversation = list(messages)
    reports: list[str] = []
    for attempt in range(1, max_attempts + 1):
        response = await context.complete(
            conversation, key=f"{key}/attempt-{attempt}", **(options or {})
        )
        result = await off_loop(parse, response.text)
        cut = response.finish_reason == "length"
        if cut and not (cut_ok and result.ok):
            # A cut reply that still parses (a file ending at a complete line) may be missing
            # its end: re-asked, but taken as a last resort.
            issue = ParseIssue(CUT_OFF.format(chars=len(response.text)), soft=True)
            result = replace(result, issues=[issue, *result.issues])
        answer = accepted(result, response.text, attempt, max_attempts)
        problems = [issue.describe() for issue in result.errors] or ["nothing usable was found"]
        if answer is not None:
            if result.ok:
                for note in result.notes:
                    context.log.info("reply note", what=what, key=key, note=note.describe())
            else:
                context.log.warning("reply taken despite", what=what, key=key, problems=problems)
            return answer
        reports.append(f"attempt {attempt}:\n" + "\n".join(f"  - {p}" for p in problems))
        context.log.warning(
            "reply rejected", what=what, key=key, attempt=attempt, problems=problems
        )
        if attempt == max_attempts:
            break
        correction = reask.fill(problems=problems, instruction=instruction, what=what).strip()
        conversation = [
            *conversation,
            Message.assistant(echoed(response.text, cut)),
            Message.user(correction),
        ]
    report = "\n".join(reports)
    raise ReplyRejectedError(
        f"no usable reply for {what} after {max_attempts} attempt(s) "
        f"(raw replies are in the run transcript):\n{report}",
        what,
        reports,
    )


def echoed(reply: str, cut: bool) -> str:
    """The assistant turn a re-ask shows for the rejected ``reply`` (``cut``: it hit the
    length limit, so only its start is shown)."""
    if not reply:
        return "(empty reply)"
    if cut:
        return reply[:CUT_ECHO_CHARS] + f"\n[... cut off: {len(reply)} characters in all]"
    return clip_middle(reply, ECHO_CHARS)


def accepted(
    result: ParseResult[T], reply: str, attempt: int, max_attempts: int
) -> Answer[T] | None:
    """The answer ``result`` (the parse of ``reply``, attempt ``attempt``) gives: its value when
    the parser accepted it, or — on the last attempt — when its only fatal issues are ``soft``
    ones (kept as notes); None when the reply is unusable."""
    if result.value is None:
        return None
    if result.ok:
        return Answer(result.value, result.notes, attempt, reply)
    if attempt == max_attempts and result.acceptable_at_last:
        kept = [replace(issue, fatal=False) for issue in result.issues]
        return Answer(result.value, kept, attempt, reply)
    return None


async def recorded_answer(
    context: WorkflowContext,
    key: str,
    parse: Callable[[str], ParseResult[T]],
    max_attempts: int,
) -> Answer[T] | None:
    """The answer the last recorded attempt at ``key`` gave, if :func:`accepted` takes it (None
    when no attempt is recorded or the last one was unusable)."""
    for attempt in range(max_attempts, 0, -1):
        text = context.recorded_reply(f"{key}/attempt-{attempt}")
        if text is not None:
            return accepted(await off_loop(parse, text), text, attempt, max_attempts)
    return None


async def off_loop(parse: Callable[[str], R], reply: str) -> R:
    """``parse(reply)`` in a daemon thread, so the event loop (and Ctrl-C) is never held up by
    a reply crafted to be slow to parse: a run cancelled meanwhile exits without waiting for
    it (the default executor's threads would be joined at exit)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[R] = loop.create_future()

    def settle(value: R | None, error: BaseException | None) -> None:
        if done.done():
            return  # cancelled meanwhile: nobody waits for the value
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(value)  # type: ignore[arg-type]

    def work() -> Callable[[], None]:
        try:
            value, error = parse(reply), None
        except BaseException as exc:  # handed to the awaiting coroutine, re-raised there
            value, error = None, exc

        def deliver() -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed: the run is over
                loop.call_soon_threadsafe(settle, value, error)

        return deliver

    _PARSERS.submit(work)
    return await done


class _DaemonThreads:
    """Daemon threads that run jobs and then wait for the next: starting a thread per reply
    held the event loop up to a GIL switch interval each time (with many runs in one process
    that was the largest wait of a batch). A job that never ends keeps only its own thread;
    a new job finds an idle thread or starts one."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], Callable[[], None]]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0

    def submit(self, job: Callable[[], Callable[[], None]]) -> None:
        """Run ``job`` in an idle thread, or in a new one; then call what it returns (it hands
        the result over) once the thread counts as idle again."""
        with self._lock:
            start = self._idle == 0
            if not start:
                self._idle -= 1  # that thread is taken by this job
        self._jobs.put(job)
        if start:
            threading.Thread(target=self._serve, name="autobyteus-parse", daemon=True).start()

    def _serve(self) -> None:
        while True:
            deliver = self._jobs.get()()
            with self._lock:
                # Idle before the result is handed over: the caller's next job, submitted as
                # soon as it has the result, finds this thread instead of starting one.
                self._idle += 1
            deliver()


_PARSERS = _DaemonThreads()

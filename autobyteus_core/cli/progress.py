"""The live progress of a run: a rich display of steps and subtasks on a terminal, plain lines
otherwise, and the summary table printed when the run ends."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from autobyteus_core.cli.output import shown
from autobyteus_core.workflow.events import EventType, WorkflowEvent

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live

    from autobyteus_core.workflow.run_record import RunState

_Display = TypeVar("_Display", bound="LiveRendering")
_FINAL_SUBTASK = ("succeeded", "failed", "cancelled", "skipped")


@dataclass
class _StepView:
    step_id: str
    name: str
    status: str = "pending"
    started: float | None = None
    elapsed: float = 0.0
    tokens: int = 0
    files: int = 0
    subtasks: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (title, status)


def format_cost(cost: float | None) -> str:
    """``$0.0123``, or ``-`` when the price is unknown."""
    return "-" if cost is None else f"${cost:.4f}"


def format_seconds(seconds: float) -> str:
    """``4.2s`` or ``3m05s``."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"


class LiveRendering:
    """Between ``with`` and its end, redraws :meth:`_render` on ``stream`` when ``live_mode``
    is on (a rich live display); :attr:`_live` is None otherwise, for plain lines."""

    stream: TextIO
    live_mode: bool
    _live: Live | None = None

    def __enter__(self: _Display) -> _Display:
        if self.live_mode:
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self.stream, highlight=False)
            self._live = Live(
                get_renderable=self._render, console=console, refresh_per_second=8, transient=True
            )
            self._live.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def _render(self) -> RenderableType:
        raise NotImplementedError


class ProgressDisplay(LiveRendering):
    """Receives workflow events (pass :meth:`handle` as a listener) and shows them.

    On a terminal (or with ``live=True``) a rich live table of steps with their subtasks is
    redrawn on standard error; otherwise each notable event is one plain line there.
    """

    def __init__(
        self,
        steps: list[tuple[str, str]],
        *,
        live: bool | None = None,
        stream: TextIO | None = None,
        statuses: dict[str, str] | None = None,
    ) -> None:
        """Show ``steps`` (``(path, step name)`` pairs, in order), whose current status is in
        ``statuses`` (a resumed run's finished steps), else pending."""
        self.stream = stream or sys.stderr
        self.live_mode = self.stream.isatty() if live is None else live
        self.steps = {path: _StepView(path, name) for path, name in steps}
        for path, status in (statuses or {}).items():
            if path in self.steps:
                self.steps[path].status = status
        self.calls = 0
        self.replayed = 0
        self._lock = threading.Lock()

    # -- events ------------------------------------------------------------------------------

    def handle(self, event: WorkflowEvent) -> None:
        """Update the display with one event."""
        with self._lock:
            line = self._apply(event)
        if line and self._live is None:
            print(shown(line), file=self.stream, flush=True)

    def _apply(self, event: WorkflowEvent) -> str | None:
        data = event.data
        view = self.steps.get(event.step_id or "")
        kind = event.type
        if kind is EventType.WORKFLOW_STARTED:
            verb = "resuming" if data.get("resumed") else "starting"
            return f"run {event.run_id}: {verb}"
        if kind is EventType.STEP_STARTED and view is not None:
            view.status, view.started = "running", time.monotonic()
            return f"{'  ' * view.step_id.count('/')}> {view.step_id} started"
        if kind in (EventType.STEP_FINISHED, EventType.STEP_FAILED) and view is not None:
            view.status = str(data.get("status", "failed"))
            view.elapsed = float(data.get("wall_time_s") or 0.0)
            view.started = None
            view.tokens = int(data.get("total_tokens") or 0)
            view.files = int(data.get("files") or 0)
            detail = data.get("summary") if view.status == "succeeded" else data.get("error")
            indent = "  " * view.step_id.count("/")
            return (
                f"{indent}{'✓' if view.status == 'succeeded' else '✗'} {view.step_id} {view.status}"
                + (f": {detail}" if detail else "")
            )
        if kind in (EventType.SUBTASK_STARTED, EventType.SUBTASK_FINISHED) and view is not None:
            return self._subtask(view, kind, data)
        if kind is EventType.LLM_CALL_FINISHED and not data.get("error"):
            self.calls += 1
            self.replayed += 1 if data.get("replayed") else 0
            return None
        if kind is EventType.BUDGET_EXCEEDED:
            return f"! budget reached: {data.get('reason', '')}"
        if kind is EventType.MESSAGE:
            return f"  {event.step_id or ''}: {data.get('text') or data.get('message') or ''}"
        return None

    def _subtask(self, view: _StepView, kind: EventType, data: dict[str, Any]) -> str | None:
        sub_id = str(data.get("subtask") or data.get("id") or data.get("task") or "?")
        sub_id = shown(sub_id)
        title = shown(str(data.get("title") or view.subtasks.get(sub_id, ("", ""))[0]))
        if kind is EventType.SUBTASK_STARTED:
            view.subtasks[sub_id] = (title, "running")
            return None
        status = str(data.get("status") or ("failed" if data.get("error") else "succeeded"))
        view.subtasks[sub_id] = (title, status)
        mark = "✓" if status == "succeeded" else "✗"
        return f"    {mark} {sub_id} {title}".rstrip() + (
            "" if status == "succeeded" else f" ({status})"
        )

    # -- rendering -----------------------------------------------------------------------------

    def _render(self) -> RenderableType:
        from rich.console import Group
        from rich.spinner import Spinner
        from rich.table import Table
        from rich.text import Text

        with self._lock:
            table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
            for column in ("step", "status", "subtasks", "tokens", "time"):
                table.add_column(column)
            running: list[tuple[str, str]] = []
            for view in self.steps.values():
                elapsed = view.elapsed + (time.monotonic() - view.started if view.started else 0.0)
                done = sum(1 for _, s in view.subtasks.values() if s in _FINAL_SUBTASK)
                status: Any = Text(view.status, style=_STYLE.get(view.status, ""))
                if view.status == "running":
                    status = Spinner("dots", text=Text("running", style="yellow"))
                table.add_row(
                    "  " * view.step_id.count("/") + view.step_id,
                    status,
                    f"{done}/{len(view.subtasks)}" if view.subtasks else "",
                    str(view.tokens) if view.tokens else "",
                    format_seconds(elapsed) if elapsed else "",
                )
                running.extend(
                    (sid, title) for sid, (title, s) in view.subtasks.items() if s == "running"
                )
            footer = Text(f"LLM calls: {self.calls} ({self.replayed} replayed)", style="dim")
            lines: list[Any] = [table]
            for sid, title in running[:8]:
                lines.append(Spinner("dots", text=Text(f"{sid} {title}".rstrip(), style="cyan")))
            if len(running) > 8:
                lines.append(Text(f"... and {len(running) - 8} more subtasks running", style="dim"))
            lines.append(footer)
            return Group(*lines)


_STYLE = {
    "succeeded": "green",
    "failed": "red",
    "cancelled": "yellow",
    "paused": "yellow",
    "pending": "dim",
}


def print_summary(run: RunState, console: Console | None = None) -> None:
    """The table printed when a run ends: status, files, tokens, cost, wall time per step."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console(highlight=False, soft_wrap=not sys.stdout.isatty())
    table = Table(title=f"run {run.run_id} ({run.workflow.name})", title_justify="left")
    for column, justify in (
        ("step", "left"),
        ("status", "left"),
        ("files", "right"),
        ("tokens", "right"),
        ("cost", "right"),
        ("wall time", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for record in run.steps.values():
        table.add_row(
            "  " * record.depth + record.id,
            Text(record.status.value, style=_STYLE.get(record.status.value, "")),
            str(len(record.files)),
            str(record.usage.total_tokens),
            format_cost(record.usage.cost_usd),
            format_seconds(record.wall_time_s),
        )
    table.add_section()
    table.add_row(
        "total",
        Text(run.display_status, style=_STYLE.get(run.status.value, "")),
        str(len({f.path for f in run.files})),
        str(run.usage.total_tokens),
        format_cost(run.usage.cost_usd),
        format_seconds(run.wall_time_s),
    )
    console.print(table)

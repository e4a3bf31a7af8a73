"""The ``event_log`` plugin: every workflow event as one JSON line in a file you can tail.

Set ``AUTOBYTEUS_EVENT_LOG=/path/to/events.jsonl`` and each event (step started/finished/failed,
LLM call finished with tokens, cost and latency, file written, ...) is appended to that file as it
happens, for dashboards, CI annotations or a second terminal running ``tail -f``. Unset, the plugin
does nothing. It is the first-party user of the ``workflow_event`` hook.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from autobyteus_core import hookimpl

if TYPE_CHECKING:
    from autobyteus_core.workflow.events import WorkflowEvent

ENV_EVENT_LOG = "AUTOBYTEUS_EVENT_LOG"


@hookimpl
def workflow_event(event: WorkflowEvent) -> None:
    """Append ``event`` to the file named by ``AUTOBYTEUS_EVENT_LOG``, if set."""
    path = os.environ.get(ENV_EVENT_LOG)
    if not path:
        return
    line = event.model_dump_json() + "\n"
    with open(path, "a", encoding="utf-8") as log:
        log.write(line)

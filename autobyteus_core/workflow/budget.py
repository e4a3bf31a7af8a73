"""Plugin API 1.x alias: these names now live in ``call_ledger``."""

from autobyteus_core.workflow.call_ledger import (
    BUDGET_HELP as BUDGET_HELP,
    Budget as Budget,
)

"""Plugin API 1.x alias of :mod:`~autobyteus_core.workflow.call_ledger`."""

from autobyteus_core.workflow.call_ledger import (
    BUDGET_HELP as BUDGET_HELP,
    Budget as Budget,
)

"""Plugin API 1.x alias: these names now live in ``loading``."""

from autobyteus_core.workflow.loading import (
    FORMATS as FORMATS,
    check_step_names as check_step_names,
    dumps_workflow as dumps_workflow,
    find_workflow as find_workflow,
    load_workflow_file as load_workflow_file,
    loads_workflow as loads_workflow,
    save_workflow_file as save_workflow_file,
)

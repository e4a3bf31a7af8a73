"""autobyteus core: the plugin system, registries, workflow engine, prompts, settings and logging.

This module is the public API: a plugin imports what it needs from here (and its tests from
``autobyteus_core.testing``)::

    from autobyteus_core import BaseStep, Deferred, StepResult, hookimpl

    @hookimpl
    def register_steps(register):
        register(MyStep)                                      # the class itself, or
        register(Deferred("my_step", "my_plugin.steps:MyStep"))  # imported on first use

Names are imported on first access, so ``import autobyteus_core`` pulls in neither pydantic,
jinja2 nor any SDK (plugin listing stays fast). The deep module paths keep working for plugin
API 1.x, but they are not the contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from autobyteus_core.deferred import Deferred
from autobyteus_core.lazy_exports import lazy_exports

__version__ = "0.1.0"

#: The pluggy project name, which is also the entry-point group plugins are discovered in.
PROJECT_NAME = "autobyteus"

#: The version of the plugin contract (hook specs and the types they pass). A plugin may declare
#: the range it supports with a module-level ``AUTOBYTEUS_PLUGIN_API = ">=1,<2"``.
#: 1.1 added registration by import path (``Deferred``);
#: 1.2 added the ``register_executors`` hook (batch executors);
#: 1.3 the ``replace=True`` argument of ``register``;
#: 1.4 a workspace type's ``repo_map_builder`` (``MapEntry``, ``RepoMapBuilder``); executors run
#:     any ``Work`` (``autobyteus bench`` tasks too), with ``run_work_in_process``;
#: 1.5 typed step outputs (``StepOutputs``, ``WorkflowState.output``), ``state.tests``
#:     (``TestsOutcome``) and ``BaseStep.render_output`` (``OutputView``) for ``autobyteus show``;
#:     ``Subtask`` and the coding fields of ``WorkflowState`` moved to autobyteus-coding-steps.
PLUGIN_API_VERSION = "1.5"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

# Public name -> the module that defines it, imported on first access by __getattr__.
_LAZY: dict[str, str] = {
    # the application and its errors
    "Application": "autobyteus_core.app",
    "AutobyteusError": "autobyteus_core.errors",
    "ConfigurationError": "autobyteus_core.errors",
    "PluginLoadError": "autobyteus_core.errors",
    "validation_problems": "autobyteus_core.errors",
    # settings and logging
    "AutobyteusSettings": "autobyteus_core.settings",
    "PluginSettings": "autobyteus_core.settings",
    "configure_logging": "autobyteus_core.logging",
    "get_logger": "autobyteus_core.logging",
    # the register callback of the register_* hooks (a type for hints)
    "Register": "autobyteus_core.hookspecs",
    # commands (register_commands)
    "get_app": "autobyteus_core.cli.context",
    # executors (register_executors) and batches
    "BatchObserver": "autobyteus_core.batch.runner",
    "BatchOptions": "autobyteus_core.batch.runner",
    "BatchQueue": "autobyteus_core.batch.executor",
    "BatchRunner": "autobyteus_core.batch.runner",
    "Executor": "autobyteus_core.batch.executor",
    "ItemResult": "autobyteus_core.batch.item",
    "ItemTask": "autobyteus_core.batch.item",
    "Work": "autobyteus_core.batch.executor",
    "WorkQueue": "autobyteus_core.batch.executor",
    "error_result": "autobyteus_core.batch.item",
    "executor_options": "autobyteus_core.cli.executor_options",
    "run_item": "autobyteus_core.batch.item",
    "run_item_in_process": "autobyteus_core.batch.executor",
    "run_work_in_process": "autobyteus_core.batch.executor",
    "SpecItem": "autobyteus_core.batch.spec",
    "read_spec": "autobyteus_core.batch.spec",
    # steps and workflows
    "AutomatedCodingWorkflow": "autobyteus_core.workflow.automated_coding_workflow",
    "BaseStep": "autobyteus_core.workflow.base_step",
    "BudgetExceededError": "autobyteus_core.workflow.errors",
    "EditableOutput": "autobyteus_core.workflow.base_step",
    "EventType": "autobyteus_core.workflow.events",
    "OutputEditError": "autobyteus_core.workflow.errors",
    "OutputTable": "autobyteus_core.workflow.base_step",
    "OutputView": "autobyteus_core.workflow.base_step",
    "RunState": "autobyteus_core.workflow.run_record",
    "StepFailedError": "autobyteus_core.workflow.errors",
    "StepContext": "autobyteus_core.workflow.step_context",
    "StepOutputs": "autobyteus_core.workflow.run_record",
    "StepRecord": "autobyteus_core.workflow.run_record",
    "StepResult": "autobyteus_core.workflow.step_context",
    "StepsTemplateConfig": "autobyteus_core.workflow.steps_template_config",
    "UnknownStepError": "autobyteus_core.workflow.errors",
    "WORKFLOW_CONFIG": "autobyteus_core.workflow.config",
    "find_workflow": "autobyteus_core.workflow.loading",
    "Workflow": "autobyteus_core.workflow.workflow",
    "WorkflowContext": "autobyteus_core.workflow.step_context",
    "WorkflowDefinition": "autobyteus_core.workflow.steps_template_config",
    "WorkflowError": "autobyteus_core.workflow.errors",
    "WorkflowEvent": "autobyteus_core.workflow.events",
    "WorkflowState": "autobyteus_core.workflow.run_record",
    "TestsOutcome": "autobyteus_core.workflow.run_record",
    "WorkflowStatus": "autobyteus_core.workflow.workflow_status",
    "CHARS_PER_TOKEN": "autobyteus_core.workflow.call_ledger",
    "estimate_tokens": "autobyteus_core.workflow.call_ledger",
    # LLM providers, integrations and their errors
    "LLMAuthenticationError": "autobyteus_core.llm.errors",
    "LLMBadRequestError": "autobyteus_core.llm.errors",
    "LLMContextLengthError": "autobyteus_core.llm.errors",
    "LLMError": "autobyteus_core.llm.errors",
    "LLMIntegration": "autobyteus_core.llm.llm_integration",
    "LLMIntegrationRegistry": "autobyteus_core.llm.llm_integration_registry",
    "LLMProvider": "autobyteus_core.llm.llm_provider",
    "LLMProviderUnavailableError": "autobyteus_core.llm.errors",
    "LLMRateLimitError": "autobyteus_core.llm.errors",
    "LLMResponse": "autobyteus_core.llm.llm_response",
    "LLMResponseError": "autobyteus_core.llm.errors",
    "LLMTimeoutError": "autobyteus_core.llm.errors",
    "Message": "autobyteus_core.llm.message",
    "ModelInfo": "autobyteus_core.llm.llm_provider",
    "ModelNotFoundError": "autobyteus_core.llm.errors",
    "StreamChunk": "autobyteus_core.llm.llm_response",
    "Usage": "autobyteus_core.llm.usage",
    # prompts
    "MissingPromptVariableError": "autobyteus_core.prompt.errors",
    "PromptTemplate": "autobyteus_core.prompt.prompt_template",
    "PromptTemplateError": "autobyteus_core.prompt.errors",
    "PromptTemplateVariable": "autobyteus_core.prompt.prompt_template_variable",
    "VariableSource": "autobyteus_core.prompt.prompt_template_variable",
    # running generated code
    "Isolation": "autobyteus_core.sandbox.policy",
    "ProcessOutcome": "autobyteus_core.sandbox.runner",
    "PytestVerdict": "autobyteus_core.sandbox.verdict",
    "ResourceLimits": "autobyteus_core.sandbox.limits",
    "Sandbox": "autobyteus_core.sandbox.policy",
    "child_environment": "autobyteus_core.sandbox.runner",
    "is_pytest": "autobyteus_core.sandbox.verdict",
    "run_pytest": "autobyteus_core.sandbox.verdict",
    "run_process": "autobyteus_core.sandbox.runner",
    # workspaces
    "ControlFiles": "autobyteus_core.workspace.control_files",
    "FileTooLargeError": "autobyteus_core.workspace.errors",
    "MapEntry": "autobyteus_core.workspace.repo_map",
    "RepoMapBuilder": "autobyteus_core.workspace.repo_map",
    "SafeWriter": "autobyteus_core.workspace.safe_writer",
    "TreeEntry": "autobyteus_core.workspace.workspace_tree",
    "UnsafePathError": "autobyteus_core.workspace.errors",
    "WorkspaceError": "autobyteus_core.workspace.errors",
    "WorkspaceSetting": "autobyteus_core.workspace.workspace_setting",
    "WorkspaceType": "autobyteus_core.workspace.workspace_type",
    "WrittenFile": "autobyteus_core.workspace.written_file",
    "python_repo_map": "autobyteus_core.default_plugins.python_repo_map",
    "python_workspace": "autobyteus_core.default_plugins.python_workspace",
    "control_name_problem": "autobyteus_core.workspace.control_files",
    "split_relative_path": "autobyteus_core.workspace.path_rules",
    "toml_table_change": "autobyteus_core.workspace.control_files",
}

__all__ = [
    "PLUGIN_API_VERSION",
    "PROJECT_NAME",
    "Deferred",
    "__version__",
    "hookimpl",
    "hookspec",
    *_LAZY,
]


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)

if TYPE_CHECKING:  # the same names, seen eagerly by type checkers and IDEs
    from autobyteus_core.app import (
        Application as Application,
    )
    from autobyteus_core.batch.executor import (
        BatchQueue as BatchQueue,
        Executor as Executor,
        Work as Work,
        WorkQueue as WorkQueue,
        run_item_in_process as run_item_in_process,
        run_work_in_process as run_work_in_process,
    )
    from autobyteus_core.batch.item import (
        ItemResult as ItemResult,
        ItemTask as ItemTask,
        error_result as error_result,
        run_item as run_item,
    )
    from autobyteus_core.batch.runner import (
        BatchObserver as BatchObserver,
        BatchOptions as BatchOptions,
        BatchRunner as BatchRunner,
    )
    from autobyteus_core.batch.spec import (
        SpecItem as SpecItem,
        read_spec as read_spec,
    )
    from autobyteus_core.cli.context import (
        get_app as get_app,
    )
    from autobyteus_core.cli.executor_options import (
        executor_options as executor_options,
    )
    from autobyteus_core.default_plugins.python_repo_map import (
        python_repo_map as python_repo_map,
    )
    from autobyteus_core.default_plugins.python_workspace import (
        python_workspace as python_workspace,
    )
    from autobyteus_core.errors import (
        AutobyteusError as AutobyteusError,
        ConfigurationError as ConfigurationError,
        PluginLoadError as PluginLoadError,
        validation_problems as validation_problems,
    )
    from autobyteus_core.hookspecs import (
        Register as Register,
    )
    from autobyteus_core.llm.errors import (
        LLMAuthenticationError as LLMAuthenticationError,
        LLMBadRequestError as LLMBadRequestError,
        LLMContextLengthError as LLMContextLengthError,
        LLMError as LLMError,
        LLMProviderUnavailableError as LLMProviderUnavailableError,
        LLMRateLimitError as LLMRateLimitError,
        LLMResponseError as LLMResponseError,
        LLMTimeoutError as LLMTimeoutError,
        ModelNotFoundError as ModelNotFoundError,
    )
    from autobyteus_core.llm.llm_integration import (
        LLMIntegration as LLMIntegration,
    )
    from autobyteus_core.llm.llm_integration_registry import (
        LLMIntegrationRegistry as LLMIntegrationRegistry,
    )
    from autobyteus_core.llm.llm_provider import (
        LLMProvider as LLMProvider,
        ModelInfo as ModelInfo,
    )
    from autobyteus_core.llm.llm_response import (
        LLMResponse as LLMResponse,
        StreamChunk as StreamChunk,
    )
    from autobyteus_core.llm.message import (
        Message as Message,
    )
    from autobyteus_core.llm.usage import (
        Usage as Usage,
    )
    from autobyteus_core.logging import (
        configure_logging as configure_logging,
        get_logger as get_logger,
    )
    from autobyteus_core.prompt.errors import (
        MissingPromptVariableError as MissingPromptVariableError,
        PromptTemplateError as PromptTemplateError,
    )
    from autobyteus_core.prompt.prompt_template import (
        PromptTemplate as PromptTemplate,
    )
    from autobyteus_core.prompt.prompt_template_variable import (
        PromptTemplateVariable as PromptTemplateVariable,
        VariableSource as VariableSource,
    )
    from autobyteus_core.sandbox.limits import (
        ResourceLimits as ResourceLimits,
    )
    from autobyteus_core.sandbox.policy import (
        Isolation as Isolation,
        Sandbox as Sandbox,
    )
    from autobyteus_core.sandbox.runner import (
        ProcessOutcome as ProcessOutcome,
        child_environment as child_environment,
        run_process as run_process,
    )
    from autobyteus_core.sandbox.verdict import (
        PytestVerdict as PytestVerdict,
        is_pytest as is_pytest,
        run_pytest as run_pytest,
    )
    from autobyteus_core.settings import (
        AutobyteusSettings as AutobyteusSettings,
        PluginSettings as PluginSettings,
    )
    from autobyteus_core.workflow.automated_coding_workflow import (
        AutomatedCodingWorkflow as AutomatedCodingWorkflow,
    )
    from autobyteus_core.workflow.base_step import (
        BaseStep as BaseStep,
        EditableOutput as EditableOutput,
        OutputTable as OutputTable,
        OutputView as OutputView,
    )
    from autobyteus_core.workflow.call_ledger import (
        CHARS_PER_TOKEN as CHARS_PER_TOKEN,
        estimate_tokens as estimate_tokens,
    )
    from autobyteus_core.workflow.config import (
        WORKFLOW_CONFIG as WORKFLOW_CONFIG,
    )
    from autobyteus_core.workflow.errors import (
        BudgetExceededError as BudgetExceededError,
        OutputEditError as OutputEditError,
        StepFailedError as StepFailedError,
        UnknownStepError as UnknownStepError,
        WorkflowError as WorkflowError,
    )
    from autobyteus_core.workflow.events import (
        EventType as EventType,
        WorkflowEvent as WorkflowEvent,
    )
    from autobyteus_core.workflow.loading import (
        find_workflow as find_workflow,
    )
    from autobyteus_core.workflow.run_record import (
        RunState as RunState,
        StepOutputs as StepOutputs,
        StepRecord as StepRecord,
        TestsOutcome as TestsOutcome,
        WorkflowState as WorkflowState,
    )
    from autobyteus_core.workflow.step_context import (
        StepContext as StepContext,
        StepResult as StepResult,
        WorkflowContext as WorkflowContext,
    )
    from autobyteus_core.workflow.steps_template_config import (
        StepsTemplateConfig as StepsTemplateConfig,
        WorkflowDefinition as WorkflowDefinition,
    )
    from autobyteus_core.workflow.workflow import (
        Workflow as Workflow,
    )
    from autobyteus_core.workflow.workflow_status import (
        WorkflowStatus as WorkflowStatus,
    )
    from autobyteus_core.workspace.control_files import (
        ControlFiles as ControlFiles,
        control_name_problem as control_name_problem,
        toml_table_change as toml_table_change,
    )
    from autobyteus_core.workspace.errors import (
        FileTooLargeError as FileTooLargeError,
        UnsafePathError as UnsafePathError,
        WorkspaceError as WorkspaceError,
    )
    from autobyteus_core.workspace.path_rules import (
        split_relative_path as split_relative_path,
    )
    from autobyteus_core.workspace.repo_map import (
        MapEntry as MapEntry,
        RepoMapBuilder as RepoMapBuilder,
    )
    from autobyteus_core.workspace.safe_writer import (
        SafeWriter as SafeWriter,
    )
    from autobyteus_core.workspace.workspace_setting import (
        WorkspaceSetting as WorkspaceSetting,
    )
    from autobyteus_core.workspace.workspace_tree import (
        TreeEntry as TreeEntry,
    )
    from autobyteus_core.workspace.workspace_type import (
        WorkspaceType as WorkspaceType,
    )
    from autobyteus_core.workspace.written_file import (
        WrittenFile as WrittenFile,
    )

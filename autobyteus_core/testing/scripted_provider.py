"""Plugin API 1.x alias: these names now live in ``replies_file``."""

from autobyteus_core.testing.replies_file import (
    ENV_DELAY as ENV_DELAY,
    ENV_LOG as ENV_LOG,
    FileScriptedLLM as FileScriptedLLM,
    ScriptedFileProvider as ScriptedFileProvider,
)

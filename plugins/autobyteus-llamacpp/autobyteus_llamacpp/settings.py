"""The llamacpp plugin's settings (``AUTOBYTEUS_LLAMACPP__<FIELD>`` or ``[llamacpp]`` in TOML)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field

from autobyteus_core import PluginSettings


def usable_cpus() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def default_threads() -> int:
    """Half the usable CPUs (at least one), as llama-cpp-python itself defaults to.

    llama.cpp's threads wait for each other at every step, so a thread whose CPU is busy with
    another process stalls them all: on a shared 2-CPU machine 2 threads generated 0.3 tokens/s
    where 1 thread generated 3.8. Leaving CPUs free is the safer default; raise ``threads`` on
    a quiet machine.
    """
    return max(1, usable_cpus() // 2)


class LlamaCppSettings(PluginSettings):
    """How local models are loaded and sampled. Sampling is deterministic by default:
    temperature 0 (greedy) and a fixed seed."""

    namespace = "llamacpp"

    context_size: int = Field(8192, ge=256, description="context window in tokens (n_ctx)")
    threads: int | None = Field(
        None, ge=1, description="CPU threads; unset: half the usable CPUs, at least one"
    )
    max_tokens: int = Field(2048, ge=1, description="longest reply in tokens")
    temperature: float = Field(0.0, ge=0.0, description="sampling temperature; 0 is greedy")
    seed: int = Field(0, ge=0, description="sampling seed, set before every call")
    chat_template: str | None = Field(
        None, description="a Jinja2 chat template used instead of the one in the GGUF file"
    )
    extra_buffers: bool = Field(
        True,
        description="llama.cpp's extra weight buffers (AMX, repacked weights); false works around "
        "CPUs that advertise AMX but fault in its kernels",
    )
    cache_dir: Path | None = Field(
        None, description="where assembled models are kept; unset: the user cache directory"
    )

    def resolved_threads(self) -> int:
        """``threads``, or :func:`default_threads`."""
        return self.threads or default_threads()

    def resolved_cache_dir(self) -> Path:
        """``cache_dir``, or ``<user cache dir>/autobyteus/models``."""
        if self.cache_dir is not None:
            return self.cache_dir.expanduser()
        from platformdirs import user_cache_path

        return user_cache_path("autobyteus") / "models"

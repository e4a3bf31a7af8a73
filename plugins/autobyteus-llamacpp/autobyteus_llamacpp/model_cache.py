"""Loaded models, shared by every integration in the process.

llama.cpp models are expensive to load and not thread-safe, so each (file, context size, threads)
is loaded once per process, in a worker thread, and every call that uses it runs in that model's
own single worker thread while holding its lock: concurrent coroutines queue instead of crashing,
and a call still waiting in the queue is dropped when its coroutine is cancelled.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ModelKey:
    """What makes two loaded models interchangeable."""

    name: str
    context_size: int
    threads: int


class ModelSlot:
    """One model: loaded on first use, then reused; used by one call at a time."""

    def __init__(self, key: ModelKey, loader: Callable[[], Any]) -> None:
        """``loader`` runs once, in the worker thread, and returns the ``llama_cpp.Llama``."""
        self.key = key
        self._loader = loader
        self._model: Any = None
        self._load_error: Exception | None = None
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"llamacpp-{key.name[-40:]}"
        )

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _call(self, work: Callable[[Any], T]) -> T:
        with self._lock:
            if self._load_error is not None:
                raise self._load_error
            if self._model is None:
                try:
                    self._model = self._loader()
                except Exception as exc:
                    # A model that failed its checksum or could not be loaded (errors marked
                    # ``retryable = False``) fails the same way again: say so at once instead of
                    # re-assembling a gigabyte on every call. Other errors are tried again.
                    if getattr(exc, "retryable", True) is False:
                        self._load_error = exc
                    raise
            return work(self._model)

    async def run(self, work: Callable[[Any], T]) -> T:
        """Run ``work(model)`` in the model's worker thread, after the calls queued before it."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, work)

    def close(self) -> None:
        """Free the model once the calls already queued have finished."""
        self._executor.shutdown(wait=True)
        with self._lock:
            model, self._model = self._model, None
        if model is not None and hasattr(model, "close"):
            model.close()


class ModelCache:
    """Slots by :class:`ModelKey`. The plugin keeps one per process (:data:`SHARED_MODELS`) so a
    model loads once however many applications or integrations use it."""

    def __init__(self) -> None:
        self._slots: dict[ModelKey, ModelSlot] = {}
        self._lock = threading.Lock()

    def slot(self, key: ModelKey, loader: Callable[[], Any]) -> ModelSlot:
        """The slot for ``key``, created (not yet loaded) on first request."""
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                slot = self._slots[key] = ModelSlot(key, loader)
            return slot

    def clear(self) -> None:
        """Free every model."""
        with self._lock:
            slots, self._slots = list(self._slots.values()), {}
        for slot in slots:
            slot.close()


#: The process-wide cache: loading a model once per process is the point of it.
SHARED_MODELS = ModelCache()

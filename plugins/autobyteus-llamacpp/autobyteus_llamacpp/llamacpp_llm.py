"""The :class:`LLMIntegration` for a local GGUF model."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from autobyteus_core import LLMIntegration, LLMResponse, Message, StreamChunk, Usage
from autobyteus_llamacpp.errors import ModelLoadError
from autobyteus_llamacpp.generation import ChatTemplates, Generation, GenerationParams, generate
from autobyteus_llamacpp.model_cache import ModelCache, ModelKey, ModelSlot
from autobyteus_llamacpp.settings import LlamaCppSettings


def load_llama(path: Path, settings: LlamaCppSettings) -> Any:
    """Load the GGUF file at ``path`` with llama-cpp-python (imported here, lazily)."""
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise ModelLoadError(
            f"llama-cpp-python is not installed ({exc}); pip install autobyteus-llamacpp"
        ) from exc
    try:
        with extra_buffers(settings.extra_buffers):
            return Llama(
                model_path=str(path),
                n_ctx=settings.context_size,
                n_threads=settings.resolved_threads(),
                n_threads_batch=settings.resolved_threads(),
                seed=settings.seed,
                verbose=False,
            )
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelLoadError(f"llama.cpp could not load the model {path}: {exc}") from exc


_DEFAULTS_LOCK = threading.Lock()


@contextmanager
def extra_buffers(enabled: bool) -> Iterator[None]:
    """Models loaded inside use llama.cpp's extra buffer types only when ``enabled``.

    ``Llama`` takes no argument for it: it reads llama.cpp's default model parameters, so those
    are swapped for the duration (under a lock, loads being rare). Without the extra buffers a
    CPU advertising AMX where its tile instructions fault (seen on a virtual machine: a
    segmentation fault at the first prompt of more than one token) runs the plain kernels.
    """
    if enabled:
        yield
        return
    import llama_cpp.llama_cpp as native

    defaults = native.llama_model_default_params

    def without_extra() -> Any:
        params = defaults()
        params.use_extra_bufts = False
        return params

    with _DEFAULTS_LOCK:
        native.llama_model_default_params = without_extra
        try:
            yield
        finally:
            native.llama_model_default_params = defaults


class LlamaCppLLM(LLMIntegration):
    """A local model: loaded on first use, shared by the whole process, one call at a time.

    Options per call: ``temperature``, ``max_tokens``, ``seed``, ``stop``; the rest come from
    :class:`LlamaCppSettings`. Local calls cost nothing, so usage has ``cost_usd=0.0``.
    """

    def __init__(
        self,
        model_id: str,
        model_name: str,
        resolve_path: Callable[[], Path],
        settings: LlamaCppSettings,
        models: ModelCache,
        fallback_chat_template: str | None = None,
    ) -> None:
        """``resolve_path`` returns the verified model file; it runs in the worker thread, once,
        just before the model is loaded. ``fallback_chat_template`` serves GGUF files published
        without a chat template."""
        super().__init__(model_id)
        self.settings = settings
        self.templates = ChatTemplates(settings.chat_template, fallback_chat_template)
        key = ModelKey(model_name, settings.context_size, settings.resolved_threads())
        self._slot: ModelSlot = models.slot(key, lambda: load_llama(resolve_path(), settings))

    def _params(self, options: dict[str, Any]) -> GenerationParams:
        stop = options.get("stop") or []
        return GenerationParams(
            max_tokens=int(options.get("max_tokens") or self.settings.max_tokens),
            temperature=float(options.get("temperature", self.settings.temperature)),
            seed=int(options.get("seed", self.settings.seed)),
            stop=[stop] if isinstance(stop, str) else list(stop),
        )

    def _response(self, generation: Generation, started: float) -> LLMResponse:
        return LLMResponse(
            text=generation.text,
            usage=Usage(
                prompt_tokens=generation.prompt_tokens,
                completion_tokens=generation.completion_tokens,
                cost_usd=0.0,
                calls=1,
            ),
            model=self.model_id,
            latency_s=time.perf_counter() - started,
            finish_reason=generation.finish_reason,
        )

    async def complete(self, messages: Sequence[Message], **options: Any) -> LLMResponse:
        """The whole reply, generated in the model's worker thread. Cancelling the call stops
        the generation at the next token (or drops it if it has not started)."""
        started = time.perf_counter()
        params = self._params(options)
        cancel = threading.Event()
        try:
            generation = await self._slot.run(
                lambda llama: generate(llama, messages, params, self.templates, cancel=cancel)
            )
        finally:
            cancel.set()  # when the call is cancelled, generation stops at the next token
        return self._response(generation, started)

    async def stream(
        self, messages: Sequence[Message], **options: Any
    ) -> AsyncIterator[StreamChunk]:
        """Yield text as llama.cpp decodes it, then a ``done`` chunk with the whole response.

        Closing the iterator early stops the generation at the next token."""
        started = time.perf_counter()
        params = self._params(options)
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue[str | None] = asyncio.Queue()
        cancel = threading.Event()

        def on_text(text: str) -> None:
            try:
                loop.call_soon_threadsafe(pieces.put_nowait, text)
            except RuntimeError:  # the event loop is gone: nobody is listening any more
                cancel.set()

        def work(llama: Any) -> Generation:
            return generate(llama, messages, params, self.templates, on_text=on_text, cancel=cancel)

        task = asyncio.ensure_future(self._slot.run(work))
        # Runs after every piece the worker queued: the end of the stream, however it ended.
        task.add_done_callback(lambda _: pieces.put_nowait(None))
        try:
            while (piece := await pieces.get()) is not None:
                yield StreamChunk(text=piece)
            generation = await task
        finally:
            cancel.set()
            if not task.done():
                task.cancel()
        yield StreamChunk(done=True, response=self._response(generation, started))

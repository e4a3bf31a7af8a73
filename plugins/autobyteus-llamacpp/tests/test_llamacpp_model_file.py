"""Model files: atomic assembly from pieces and SHA-256 checks, with small fake files.

The same code verifies the 1.1 GB default model; here the pieces and expected digests are fakes so
the tests take milliseconds.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

pytest.importorskip("autobyteus_llamacpp")

from autobyteus_llamacpp.catalog import KnownModel
from autobyteus_llamacpp.errors import ModelChecksumError
from autobyteus_llamacpp.llamacpp_provider import LlamaCppProvider
from autobyteus_llamacpp.model_cache import ModelCache
from autobyteus_llamacpp.model_file import assemble_file, ensure_file, verify_file

from autobyteus_core import AutobyteusSettings, Message


def make_pieces(folder: Path, *contents: bytes) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    pieces = []
    for index, content in enumerate(contents):
        piece = folder / f"part{index:02d}.bin"
        piece.write_bytes(content)
        pieces.append(piece)
    return pieces


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_assembles_pieces_in_order_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    pieces = make_pieces(tmp_path / "pieces", b"GGUF", b"-middle-", b"end")
    target = tmp_path / "cache" / "model.gguf"
    assert assemble_file(pieces, target, sha(b"GGUF-middle-end")) == target
    assert target.read_bytes() == b"GGUF-middle-end"
    assert target.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["model.gguf"]


def test_a_wrong_digest_leaves_nothing_at_the_target(tmp_path: Path) -> None:
    pieces = make_pieces(tmp_path / "pieces", b"tampered", b"bytes")
    target = tmp_path / "cache" / "model.gguf"
    with pytest.raises(ModelChecksumError, match="expected " + "0" * 64):
        assemble_file(pieces, target, "0" * 64)
    assert list(target.parent.iterdir()) == []


def test_a_damaged_cached_file_is_rebuilt_from_its_pieces(tmp_path: Path) -> None:
    pieces = make_pieces(tmp_path / "pieces", b"good ", b"model")
    target = tmp_path / "cache" / "model.gguf"
    target.parent.mkdir()
    target.write_bytes(b"good modeX")  # a flipped byte
    assert ensure_file(target, sha(b"good model"), pieces).read_bytes() == b"good model"


def test_a_damaged_file_without_pieces_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "model.gguf"
    target.write_bytes(b"not the published model")
    with pytest.raises(ModelChecksumError, match=str(target)):
        verify_file(target, sha(b"the published model"))
    with pytest.raises(ModelChecksumError):
        ensure_file(target, sha(b"the published model"))


def test_an_intact_cached_file_is_used_without_reading_the_pieces(tmp_path: Path) -> None:
    target = tmp_path / "model.gguf"
    target.write_bytes(b"model")
    missing = [tmp_path / "gone.bin"]
    assert ensure_file(target, sha(b"model"), missing) == target


async def test_the_provider_refuses_a_model_whose_pieces_fail_the_checksum(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A known model whose installed pieces do not match its published digest is never loaded:
    the call fails with the checksum error and the cache holds no file."""
    pytest.importorskip("llama_cpp")  # the provider refuses to create models without it
    cache = tmp_path / "cache"
    monkeypatch.setenv("AUTOBYTEUS_LLAMACPP__CACHE_DIR", str(cache))
    pieces = make_pieces(tmp_path / "pieces", b"corrupted ", b"weights")
    assemblies: list[int] = []

    def installed_pieces() -> list[Path]:
        assemblies.append(1)
        return pieces

    fake = KnownModel(
        name="fake-model",
        description="a fake",
        filename="fake.gguf",
        sha256=sha(b"the real weights"),
        modules=("autobyteus_llamacpp",),
        pieces=installed_pieces,
        install_hint="-",
    )
    models = ModelCache()
    provider = LlamaCppProvider(models=models, catalog={"fake-model": fake})
    llm = provider.create("fake-model", AutobyteusSettings.load(tmp_path))
    try:
        with pytest.raises(ModelChecksumError, match="expected " + fake.sha256):
            await llm.complete([Message.user("hello")])
        assert not (cache / "fake.gguf").exists()
        assert [p.name for p in cache.iterdir()] == []
        # Later calls fail the same way at once, without assembling the pieces again.
        with pytest.raises(ModelChecksumError):
            await llm.complete([Message.user("again")])
        assert len(assemblies) == 1
    finally:
        models.clear()

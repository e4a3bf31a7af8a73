"""Masking the secret values this process knows, wherever text is recorded or shown.

Known secrets are every ``SecretStr`` value of the settings loaded so far (the core's and every
plugin's: :mod:`settings` registers them) and the values of environment variables named like a
secret (``OPENAI_API_KEY``, ``*_TOKEN``, ...). :func:`mask_secrets` is the one function that removes
them: the call ledger applies it to prompts and replies, the run store to ``state.json`` and
``transcript.jsonl``, the CLI to what it prints and the logs to every line, so a key the model
echoes back is masked too.
"""

from __future__ import annotations

import json
import os
import threading

MASK = "**********"
#: Shorter values are not masked: they would mask ordinary words (and are no real keys).
MIN_SECRET_CHARS = 8

_known: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str) -> None:
    """Mask ``value`` from now on (values under :data:`MIN_SECRET_CHARS` are ignored)."""
    if len(value) >= MIN_SECRET_CHARS:
        with _lock:
            _known.add(value)


def known_secrets() -> list[str]:
    """Every secret to mask, longest first (so a key containing another is masked whole)."""
    from autobyteus_core.logging import is_secret_key

    with _lock:
        found = set(_known)
    # Names first: only a secret-named variable's value is read (and decoded).
    environ = os.environ
    for name in environ:
        if is_secret_key(name):
            value = environ.get(name, "")
            if len(value) >= MIN_SECRET_CHARS:
                found.add(value)
    return sorted(found, key=len, reverse=True)


def mask_secrets(text: str) -> str:
    """``text`` with every known secret, raw or JSON-escaped, replaced by :data:`MASK`."""
    for secret in known_secrets():
        if secret in text:
            text = text.replace(secret, MASK)
        escaped = json.dumps(secret)[1:-1]
        if escaped != secret and escaped in text:
            text = text.replace(escaped, MASK)
    return text

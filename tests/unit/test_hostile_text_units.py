"""The two output-boundary functions: terminal_text strips control sequences, mask_secrets masks
the secret values the process knows."""

from __future__ import annotations

import pytest

from autobyteus_core.secret_masking import MASK, mask_secrets, register_secret
from autobyteus_core.settings import PluginSettings
from autobyteus_core.terminal_text import terminal_text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("plain title", "plain title"),
        ("keeps\ttabs\nand newlines", "keeps\ttabs\nand newlines"),
        ("\x1b[2Jcleared", "cleared"),
        ("\x1b[1;31mred\x1b[0m", "red"),
        ("\x1b]52;c;ZXZpbA==\x07clip", "clip"),
        ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x1b]0;title never ended", ""),
        ("a\rb\x08c\x07d\x00e\x7f", "abcde"),
        ("\x9b31m8-bit \x9d0;x\x07csi", "31m8-bit 0;xcsi"),
        ("\x1bc reset", " reset"),
        ("caf\u00e9 \u2713", "caf\u00e9 \u2713"),
    ],
)
def test_terminal_text_strips_control_sequences(raw: str, clean: str) -> None:
    assert terminal_text(raw) == clean


def test_terminal_text_is_linear_on_crafted_input() -> None:
    # an unterminated CSI after every character: each is consumed once
    text = "\x1b[" + "0;" * 100_000
    assert terminal_text(text) == ""
    assert terminal_text("\x1b" * 100_000 + "\nx") == "\nx"


def test_mask_secrets_masks_registered_and_environment_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOME_SERVICE_TOKEN", "tok-env-0123456789")
    monkeypatch.setenv("PLAIN_SETTING", "plain-value-0123456789")
    register_secret("short")  # too short to mask: it would mask ordinary words
    text = 'a tok-env-0123456789 b plain-value-0123456789 "short"'
    assert mask_secrets(text) == f'a {MASK} b plain-value-0123456789 "short"'


def test_every_secret_setting_loaded_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import SecretStr

    class VaultSettings(PluginSettings):
        namespace = "vault_test"
        password: SecretStr | None = None

    monkeypatch.setenv("AUTOBYTEUS_VAULT_TEST__PASSWORD", 'pa"ss-9876543210')
    VaultSettings.load(None)
    monkeypatch.delenv("AUTOBYTEUS_VAULT_TEST__PASSWORD")
    assert mask_secrets('x pa"ss-9876543210 y') == f"x {MASK} y"
    assert mask_secrets('{"v": "pa\\"ss-9876543210"}') == f'{{"v": "{MASK}"}}'

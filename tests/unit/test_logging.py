"""Log formats, lazy configuration and secret redaction."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from autobyteus_core.logging import (
    REDACTED,
    configure_logging,
    get_logger,
    is_secret_key,
    redact_value,
    request_logging,
)


def json_lines(err: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def test_json_lines_carry_level_timestamp_and_bindings(capsys):
    configure_logging("json")
    get_logger(run_id="run-1", step="design").info("step started", attempt=2)
    (line,) = json_lines(capsys.readouterr().err)
    assert line["event"] == "step started"
    assert line["level"] == "info"
    assert line["run_id"] == "run-1"
    assert line["step"] == "design"
    assert line["attempt"] == 2
    assert "timestamp" in line


def test_console_format_is_one_human_line_without_repeating_fields(capsys):
    configure_logging("console")
    get_logger().warning("plugin 'x-plugin' failed: boom", plugin="x-plugin", extra=None)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert "plugin 'x-plugin' failed: boom" in lines[0]
    assert "plugin=" not in lines[0]
    assert "extra=" not in lines[0]
    assert not lines[0].lstrip().startswith("{")


def test_level_filter(capsys):
    configure_logging("json", "WARNING")
    log = get_logger()
    log.info("hidden")
    log.warning("shown")
    assert [line["event"] for line in json_lines(capsys.readouterr().err)] == ["shown"]


def test_requested_format_applies_on_first_logger(capsys, monkeypatch):
    monkeypatch.setenv("AUTOBYTEUS_LOG_FORMAT", "console")
    request_logging(log_format="json")
    request_logging(level="ERROR")  # a later request keeps the earlier format
    log = get_logger()
    log.warning("hidden")
    log.error("shown")
    assert [line["event"] for line in json_lines(capsys.readouterr().err)] == ["shown"]


def test_environment_chooses_the_format_when_nothing_is_requested(capsys, monkeypatch):
    monkeypatch.setenv("AUTOBYTEUS_LOG_FORMAT", "json")
    get_logger().info("from env")
    assert json_lines(capsys.readouterr().err)[0]["event"] == "from env"


SECRET = "sk-live-abcdefghijklmnop123456"


def test_secrets_never_reach_a_log_line(capsys):
    configure_logging("json")
    get_logger().info(
        f"calling with {SECRET}",
        api_key=SECRET,
        settings={"openai": {"api_key": SECRET, "base_url": "http://x"}},
        key=SecretStr(SECRET),
        headers=[{"Authorization": f"Bearer {SECRET}"}],
        note=f"Authorization: Bearer abc.def-ghi_{SECRET}",
        password="hunter2",
        prompt_tokens=12,
        max_tokens=100,
    )
    err = capsys.readouterr().err
    assert SECRET not in err
    assert "hunter2" not in err
    (line,) = json_lines(err)
    assert line["api_key"] == REDACTED
    assert line["settings"] == {"openai": {"api_key": REDACTED, "base_url": "http://x"}}
    assert line["key"] == REDACTED
    assert line["prompt_tokens"] == 12
    assert line["max_tokens"] == 100


def test_secrets_are_redacted_in_console_format_too(capsys):
    configure_logging("console")
    get_logger().info("token check", token=SECRET, access_key="AKIA-something")
    err = capsys.readouterr().err
    assert SECRET not in err
    assert "AKIA-something" not in err


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("api_key", True),
        ("OPENAI_API_KEY", True),
        ("token", True),
        ("auth_token", True),
        ("client_secret", True),
        ("Authorization", True),
        ("prompt_tokens", False),
        ("max_tokens", False),
        ("tokenizer", False),
        ("model", False),
    ],
)
def test_secret_key_names(key, secret):
    assert is_secret_key(key) is secret


def test_redact_value_keeps_empty_and_numeric_values():
    assert redact_value("api_key", None) is None
    assert redact_value("api_key", "") == ""
    assert redact_value("token", 3) == 3
    assert redact_value("items", ("a", SECRET)) == ("a", REDACTED)

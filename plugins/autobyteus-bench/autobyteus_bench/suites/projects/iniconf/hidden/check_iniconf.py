import pytest
from iniconf import IniSyntaxError, dump_ini, parse_ini


def test_sections_keys_and_both_separators() -> None:
    text = "[db]\nHost = localhost\nport: 5432\n"
    assert parse_ini(text) == {"db": {"host": "localhost", "port": "5432"}}


def test_comments_blank_lines_and_default_section() -> None:
    text = "name = top\n\n; a comment\n  # another\n[ s ]\nk=v\n"
    assert parse_ini(text) == {"DEFAULT": {"name": "top"}, "s": {"k": "v"}}


def test_split_at_the_first_separator() -> None:
    assert parse_ini("[u]\nurl = http://x:80/?a=b\n") == {"u": {"url": "http://x:80/?a=b"}}


def test_later_keys_replace_and_sections_merge() -> None:
    text = "[a]\nx = 1\n[b]\ny = 2\n[a]\nx = 3\nz = 4\n"
    assert parse_ini(text) == {"a": {"x": "3", "z": "4"}, "b": {"y": "2"}}


def test_bad_line_has_its_number() -> None:
    with pytest.raises(IniSyntaxError) as caught:
        parse_ini("[a]\nx = 1\nthis is not ini\n")
    assert caught.value.lineno == 3
    assert "3" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_dump_format() -> None:
    assert dump_ini({"a": {"x": "1"}, "b": {"y": "2", "z": "3"}}) == (
        "[a]\nx = 1\n\n[b]\ny = 2\nz = 3\n"
    )


def test_round_trip() -> None:
    data = {"server": {"host": "example.org", "port": "8080"}, "paths": {"root": "/srv"}}
    assert parse_ini(dump_ini(data)) == data


def test_modules() -> None:
    from iniconf.errors import IniSyntaxError as from_errors
    from iniconf.parser import parse_ini as from_parser
    from iniconf.writer import dump_ini as from_writer

    assert from_errors is IniSyntaxError
    assert from_parser("[x]\na=b\n") == {"x": {"a": "b"}}
    assert from_writer({"x": {"a": "b"}}) == "[x]\na = b\n"

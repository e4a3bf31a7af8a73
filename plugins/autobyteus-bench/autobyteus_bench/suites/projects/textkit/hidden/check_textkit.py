import pytest
from textkit import slugify, truncate, wrap


def test_slugify() -> None:
    assert slugify("  Héllo, World! ") == "hello-world"
    assert slugify("Crème brûlée -- 2 portions") == "creme-brulee-2-portions"
    assert slugify("!!!") == ""


def test_wrap_fills_greedily() -> None:
    assert wrap("the quick brown fox jumps", 10) == ["the quick", "brown fox", "jumps"]
    assert wrap("a  b\n c", 3) == ["a b", "c"]


def test_wrap_long_words_and_edges() -> None:
    assert wrap("tiny enormousword x", 5) == ["tiny", "enormousword", "x"]
    assert wrap("", 4) == []
    assert wrap("   ", 4) == []
    with pytest.raises(ValueError):
        wrap("x", 0)


def test_truncate() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("exactly10!", 10) == "exactly10!"
    assert truncate("a longer sentence", 10) == "a longe..."
    assert truncate("a longer sentence", 5, suffix="~") == "a lo~"
    with pytest.raises(ValueError):
        truncate("anything", 2)


def test_modules() -> None:
    from textkit.slug import slugify as s
    from textkit.truncate import truncate as t
    from textkit.wrap import wrap as w

    assert s("A B") == "a-b"
    assert w("a b", 1) == ["a", "b"]
    assert t("abcdef", 4) == "a..."

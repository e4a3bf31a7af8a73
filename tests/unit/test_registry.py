"""The provenance-recording registry."""

from __future__ import annotations

import pytest

from autobyteus_core.errors import AutobyteusError
from autobyteus_core.registry import (
    DIRECT_ORIGIN,
    DuplicateRegistrationError,
    PluginOrigin,
    Registry,
    UnknownNameError,
)

FIRST = PluginOrigin("first", "first-dist", "1.0")
SECOND = PluginOrigin("second", "second-dist", "2.0")


def test_items_are_kept_with_their_origin_and_listed_sorted():
    registry: Registry[int] = Registry("number")
    registry.add("two", 2, FIRST)
    registry.add("one", 1)
    assert registry.names() == ["one", "two"]
    assert list(registry) == ["one", "two"]
    assert len(registry) == 2
    assert registry.get("two") == 2
    assert registry.registration("two").origin == FIRST
    assert registry.registration("one").origin == DIRECT_ORIGIN
    assert [r.item for r in registry.registrations()] == [1, 2]


def test_the_first_registration_keeps_the_name_and_the_error_names_both_plugins():
    registry: Registry[int] = Registry("step")
    registry.add("x", 1, FIRST)
    with pytest.raises(DuplicateRegistrationError) as caught:
        registry.add("x", 2, SECOND)
    assert str(caught.value) == (
        "step 'x' is already registered by plugin 'first' (first-dist 1.0)"
    )
    assert (caught.value.name, caught.value.owner) == ("x", FIRST)
    assert registry.get("x") == 1


def test_replace_takes_a_name_over_and_removing_the_replacer_gives_it_back():
    registry: Registry[int] = Registry("step")
    registry.add("x", 1, FIRST)
    entry = registry.add("x", 2, SECOND, replace=True)
    assert entry.replaced is not None and entry.replaced.origin == FIRST
    assert (registry.get("x"), registry.origin("x")) == (2, SECOND)
    registry.remove_origin("second")
    assert (registry.get("x"), registry.origin("x")) == (1, FIRST)


def test_removing_the_replaced_plugin_keeps_the_replacement_without_it():
    registry: Registry[int] = Registry("step")
    registry.add("x", 1, FIRST)
    registry.add("x", 2, SECOND, replace=True)
    registry.remove_origin("first", "it broke")
    assert registry.registration("x").replaced is None
    registry.remove_origin("second", "it broke too")
    assert "x" not in registry
    assert registry.missing("x") == (
        "step 'x' would come from plugin 'second' (second-dist 2.0), which failed to load: "
        "it broke too"
    )


def test_unknown_name_lists_the_registered_ones():
    registry: Registry[int] = Registry("workflow")
    registry.add("b", 1)
    registry.add("a", 2)
    with pytest.raises(UnknownNameError) as caught:
        registry.get("c")
    assert str(caught.value) == "unknown workflow 'c'; registered workflows: a, b"
    assert isinstance(caught.value, KeyError)


@pytest.mark.parametrize("name", ["", None, 3])
def test_names_must_be_non_empty_strings(name):
    with pytest.raises(AutobyteusError, match="non-empty string name"):
        Registry("step").add(name, 1)


def test_remove_origin_drops_only_that_plugins_items():
    registry: Registry[int] = Registry("step")
    registry.add("a", 1, FIRST)
    registry.add("b", 2, SECOND)
    registry.add("c", 3, FIRST)
    registry.remove_origin("first")
    assert registry.names() == ["b"]


def test_origin_descriptions():
    assert FIRST.describe() == "plugin 'first' (first-dist 1.0)"
    assert PluginOrigin("local").describe() == "plugin 'local'"
    assert FIRST.to_dict() == {"plugin": "first", "distribution": "first-dist", "version": "1.0"}

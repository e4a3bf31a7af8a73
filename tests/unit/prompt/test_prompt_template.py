"""PromptTemplate and PromptTemplateVariable."""

from __future__ import annotations

import textwrap

import pytest

from autobyteus_core.prompt.errors import MissingPromptVariableError, PromptTemplateError
from autobyteus_core.prompt.prompt_template import PromptTemplate, is_resource_ref
from autobyteus_core.prompt.prompt_template_variable import (
    PromptTemplateVariable,
    VariableSource,
)

REQUIREMENT = PromptTemplateVariable("requirement", PromptTemplateVariable.SOURCE_USER_INPUT)


def test_fill_renders_values_and_trims_block_lines():
    template = PromptTemplate.from_string(
        textwrap.dedent(
            """\
            Requirement: {{ requirement }}
            {% for task in tasks %}
            - {{ task }}
            {% endfor %}
            Done."""
        )
    )
    assert template.fill({"requirement": "a CLI"}, tasks=["one", "two"]) == (
        "Requirement: a CLI\n- one\n- two\nDone."
    )


def test_keyword_values_win_over_the_mapping():
    assert PromptTemplate.from_string("{{ x }}").fill({"x": "map"}, x="kw") == "kw"


def test_missing_variable_is_an_error_naming_it():
    template = PromptTemplate.from_string("{{ requirement }} and {{ design }}", name="design.j2")
    with pytest.raises(MissingPromptVariableError) as caught:
        template.fill(requirement="r")
    assert caught.value.name == "design"
    assert "prompt template design.j2 needs variable 'design'" in str(caught.value)
    assert "given: requirement" in str(caught.value)


def test_optional_variables_can_be_tested_with_is_defined():
    template = PromptTemplate.from_string("{% if notes is defined %}{{ notes }}{% endif %}ok")
    assert template.fill() == "ok"
    assert template.fill(notes="n-") == "n-ok"
    assert template.required_variables() == {"notes"}


def test_sandbox_blocks_private_attributes_and_mutation():
    with pytest.raises(PromptTemplateError, match="unsafe"):
        PromptTemplate.from_string("{{ x.__class__.__mro__ }}").fill(x=1)
    values = [1]
    with pytest.raises(PromptTemplateError, match="unsafe"):
        PromptTemplate.from_string("{{ items.append(2) }}").fill(items=values)
    assert values == [1]


def test_syntax_error_is_reported_with_its_line():
    template = PromptTemplate.from_string("line one\n{% if %}", name="broken.j2")
    with pytest.raises(PromptTemplateError, match=r"broken\.j2 has a syntax error at line 2"):
        template.compile()


def test_include_of_another_template_is_refused():
    with pytest.raises(PromptTemplateError, match="cannot include or import other templates"):
        PromptTemplate.from_string("{% include 'other.j2' %}").fill()


@pytest.fixture
def prompt_package(tmp_path, monkeypatch):
    package = tmp_path / "pt_demo_pkg"
    (package / "prompts").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "steps.py").write_text("")
    (package / "prompts" / "ask.j2").write_text("Ask about {{ topic }}.\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "pt_demo_pkg"
    import sys

    for name in [m for m in sys.modules if m.startswith("pt_demo_pkg")]:
        del sys.modules[name]


def test_load_from_a_package_resource_relative_to_the_modules_package(prompt_package):
    for ref in ("pt_demo_pkg:prompts/ask.j2", "pt_demo_pkg.steps:prompts/ask.j2"):
        template = PromptTemplate.load(ref, [REQUIREMENT])
        assert template.fill(topic="tests") == "Ask about tests."
        assert template.origin == ref
        assert template.name == ref


def test_resource_errors_are_clear(prompt_package):
    with pytest.raises(PromptTemplateError, match="cannot read prompt resource"):
        PromptTemplate.from_resource("pt_demo_pkg:prompts/missing.j2")
    with pytest.raises(PromptTemplateError, match="cannot import 'no_such_pkg_xyz'"):
        PromptTemplate.from_resource("no_such_pkg_xyz:prompts/a.j2")
    with pytest.raises(PromptTemplateError, match="must stay inside"):
        PromptTemplate.from_resource("pt_demo_pkg:prompts/../../secret.txt")


def test_load_treats_anything_else_as_template_text():
    assert not is_resource_ref("Answer: {{ x }}")
    assert not is_resource_ref("Note:{{x}}")
    assert is_resource_ref("pkg.mod:prompts/x.j2")
    assert PromptTemplate.load("Answer: {{ x }}").fill(x=1) == "Answer: 1"


def test_from_file(tmp_path):
    path = tmp_path / "override.j2"
    path.write_text("Override {{ x }}", encoding="utf-8")
    template = PromptTemplate.from_file(path)
    assert template.fill(x="!") == "Override !"
    assert template.origin == str(path)
    with pytest.raises(PromptTemplateError, match="cannot read prompt template"):
        PromptTemplate.from_file(tmp_path / "missing.j2")


def test_to_dict():
    template = PromptTemplate.from_string("{{ requirement }}", [REQUIREMENT], name="req")
    assert template.to_dict() == {
        "name": "req",
        "origin": None,
        "template": "{{ requirement }}",
        "variables": [
            {
                "name": "requirement",
                "source": "USER_INPUT",
                "description": "",
            }
        ],
    }


def test_variable_round_trip_and_validation():
    variable = PromptTemplateVariable("design", "DYNAMIC")  # type: ignore[arg-type]
    assert variable.source is VariableSource.DYNAMIC
    assert PromptTemplateVariable.from_dict(variable.to_dict()) == variable
    with pytest.raises(ValueError, match="identifier"):
        PromptTemplateVariable("not a name")
    with pytest.raises(ValueError):
        PromptTemplateVariable("x", "SOMETIMES")  # type: ignore[arg-type]


def test_the_flags_nothing_read_are_still_accepted_with_a_warning():
    with pytest.warns(DeprecationWarning, match="allow_llm_refinement are ignored"):
        variable = PromptTemplateVariable("x", allow_llm_refinement=True)
    assert variable == PromptTemplateVariable("x")
    assert "allow_llm_refinement" not in variable.to_dict()


def test_for_step_uses_the_steps_template_or_the_users_override(workspace):
    from autobyteus_core.settings import AutobyteusSettings
    from autobyteus_core.workflow.base_step import BaseStep

    class AskStep(BaseStep):
        name = "ask"
        prompt_templates = {"main": "Default {{ x }}"}

    settings = AutobyteusSettings.load(workspace)
    assert PromptTemplate.for_step(AskStep, "main", settings).fill(x=1) == "Default 1"
    assert PromptTemplate.for_step(AskStep("a"), "main").fill(x=2) == "Default 2"
    with pytest.raises(PromptTemplateError, match="has no prompt template 'other'"):
        PromptTemplate.for_step(AskStep, "other", settings)
    (workspace / "mine.j2").write_text("Mine {{ x }}", encoding="utf-8")
    (workspace / "autobyteus.toml").write_text('[prompts.ask]\nmain = "mine.j2"\n')
    settings = AutobyteusSettings.load(workspace)
    assert PromptTemplate.for_step(AskStep, "main", settings).fill(x=3) == "Mine 3"


def test_for_step_takes_the_declared_variables_of_the_key():
    from autobyteus_core.workflow.base_step import BaseStep

    class DeclaringStep(BaseStep):
        name = "declaring"
        prompt_templates = {"main": "{{ requirement }}"}
        prompt_variables = {"main": (REQUIREMENT,)}

    assert PromptTemplate.for_step(DeclaringStep, "main").variables == (REQUIREMENT,)


def test_templates_with_the_same_text_are_compiled_once() -> None:
    """Steps build a template per prompt; jinja2 compiles each distinct text only once."""
    first = PromptTemplate.from_string("Hello {{ who }} #compile-once")
    second = PromptTemplate.from_string("Hello {{ who }} #compile-once")
    assert first.fill(who="a") == "Hello a #compile-once"
    assert second.fill(who="b") == "Hello b #compile-once"
    assert first._compiled is second._compiled

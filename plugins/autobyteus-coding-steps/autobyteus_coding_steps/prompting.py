"""Loading a step's prompt templates, with the user's overrides from settings.

A step names its templates in ``prompt_templates`` (key → package resource). A user replaces any
of them with a file of their own, without forking the plugin::

    # autobyteus.toml
    [prompts.implementation]
    file = "prompts/my_implementation.j2"

or ``AUTOBYTEUS_PROMPTS__IMPLEMENTATION__FILE=/path/to/my.j2``. A relative path is read from the
workspace. The override is keyed by the step's registered name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autobyteus_core import AutobyteusSettings, BaseStep, PromptTemplate

#: The package resource prefix of the templates shipped with this plugin.
RESOURCE_PREFIX = "autobyteus_coding_steps:prompts/"


def resource(name: str) -> str:
    """The package-resource reference of the shipped template ``name`` (``"x.j2"``)."""
    return RESOURCE_PREFIX + name


def load_prompt(step: BaseStep, key: str, settings: AutobyteusSettings) -> PromptTemplate:
    """``step``'s template ``key``: the user's override when configured, else the shipped one
    (see :meth:`PromptTemplate.for_step <autobyteus_core.prompt.prompt_template.PromptTemplate.for_step>`)."""
    from autobyteus_core import PromptTemplate

    return PromptTemplate.for_step(step, key, settings)


def render(
    step: BaseStep, key: str, settings: AutobyteusSettings, values: Mapping[str, Any]
) -> str:
    """Fill ``step``'s template ``key`` with ``values``."""
    return load_prompt(step, key, settings).fill(values).strip() + "\n"


def fence_for(content: str, language: str = "") -> tuple[str, str]:
    """An opening and closing fence longer than any backtick run inside ``content``, so a file
    shown in a prompt can never close its own block early."""
    longest = 0
    run = 0
    for char in content:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    return fence + language, fence


def language_of(path: str) -> str:
    """The fence language for a file path (``python`` for ``.py``, else empty)."""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return {
        "py": "python",
        "md": "markdown",
        "toml": "toml",
        "json": "json",
        "yaml": "yaml",
        "yml": "yaml",
        "cfg": "ini",
        "ini": "ini",
        "txt": "text",
    }.get(suffix, suffix)


def shown_file(path: str, content: str, max_chars: int | None = None) -> dict[str, str]:
    """Template values that show a file in a prompt: ``path``, ``content`` (clipped in the
    middle to ``max_chars``), and fences (``open``/``close``) that its content cannot close."""
    from autobyteus_coding_steps.parsing.text import clip_middle

    text = content.rstrip("\n")
    if max_chars is not None:
        text = clip_middle(text, max_chars)
    opening, closing = fence_for(text, language_of(path))
    return {"path": path, "content": text, "open": opening, "close": closing}


_FENCED = re.compile(r"^(?P<fence>`{3,}|~{3,})[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)


def _code_lines(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def without_shown_code(document: str, files: Mapping[str, str]) -> str:
    """``document`` with each fenced block whose code a shown file (``files``: path → content)
    holds unchanged replaced by a line naming that file: the prompt shows it there already."""

    def replace(match: re.Match[str]) -> str:
        code = _code_lines(match.group("body"))
        for path, content in files.items():
            if code and code in _code_lines(content):
                return f"(this code is in `{path}`, shown below)"
        return match.group(0)

    return _FENCED.sub(replace, document)

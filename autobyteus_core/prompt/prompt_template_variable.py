"""A variable a prompt template expects, and where its value comes from."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar


class VariableSource(str, Enum):
    """Where a template variable's value comes from."""

    #: Typed by the user (the requirement, for example).
    USER_INPUT = "USER_INPUT"
    #: Filled in by the workflow while it runs (the design document, a subtask, ...).
    DYNAMIC = "DYNAMIC"


@dataclass(frozen=True)
class PromptTemplateVariable:
    """One variable of a :class:`PromptTemplate`.

    ``allow_code_context_building`` says a tool may enrich the value with code from the
    workspace; ``allow_llm_refinement`` says the LLM may be asked to improve the user's text.
    """

    SOURCE_USER_INPUT: ClassVar[VariableSource] = VariableSource.USER_INPUT
    SOURCE_DYNAMIC: ClassVar[VariableSource] = VariableSource.DYNAMIC

    name: str
    source: VariableSource = VariableSource.DYNAMIC
    allow_code_context_building: bool = False
    allow_llm_refinement: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"a template variable name must be an identifier, got {self.name!r}")
        # Accept the plain strings "USER_INPUT" / "DYNAMIC" too.
        object.__setattr__(self, "source", VariableSource(self.source))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "source": self.source.value,
            "allow_code_context_building": self.allow_code_context_building,
            "allow_llm_refinement": self.allow_llm_refinement,
            "description": self.description,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PromptTemplateVariable:
        """The inverse of :meth:`to_dict`."""
        return cls(
            name=str(data["name"]),
            source=VariableSource(data.get("source", VariableSource.DYNAMIC.value)),
            allow_code_context_building=bool(data.get("allow_code_context_building", False)),
            allow_llm_refinement=bool(data.get("allow_llm_refinement", False)),
            description=str(data.get("description", "")),
        )

"""A variable a prompt template expects, and where its value comes from."""

from __future__ import annotations

import warnings
from dataclasses import InitVar, dataclass
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

    ``allow_code_context_building`` and ``allow_llm_refinement`` are still accepted for plugin
    API 1.x, with a ``DeprecationWarning``, and ignored: no code ever read them.
    """

    SOURCE_USER_INPUT: ClassVar[VariableSource] = VariableSource.USER_INPUT
    SOURCE_DYNAMIC: ClassVar[VariableSource] = VariableSource.DYNAMIC

    name: str
    source: VariableSource = VariableSource.DYNAMIC
    allow_code_context_building: InitVar[bool] = False
    allow_llm_refinement: InitVar[bool] = False
    description: str = ""

    def __post_init__(self, allow_code_context_building: bool, allow_llm_refinement: bool) -> None:
        if allow_code_context_building or allow_llm_refinement:
            warnings.warn(
                "PromptTemplateVariable's allow_code_context_building and allow_llm_refinement "
                "are ignored (nothing reads them) and will be removed in plugin API 2",
                DeprecationWarning,
                stacklevel=3,
            )
        if not self.name.isidentifier():
            raise ValueError(f"a template variable name must be an identifier, got {self.name!r}")
        # Accept the plain strings "USER_INPUT" / "DYNAMIC" too.
        object.__setattr__(self, "source", VariableSource(self.source))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "source": self.source.value,
            "description": self.description,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PromptTemplateVariable:
        """The inverse of :meth:`to_dict`."""
        return cls(
            name=str(data["name"]),
            source=VariableSource(data.get("source", VariableSource.DYNAMIC.value)),
            description=str(data.get("description", "")),
        )

"""A prompt template: jinja2 text rendered in a sandbox, where a missing variable is an error.

Templates may come from third-party plugins, so they render in jinja2's immutable sandbox
(no access to private attributes, no mutation of the values passed in) with ``StrictUndefined``
(a variable that was not given fails loudly instead of rendering as empty text). Blocks are
trimmed (``trim_blocks`` and ``lstrip_blocks``), so ``{% for %}`` lines leave no blank lines.

jinja2 is imported when a template is first compiled or filled, never at import time.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autobyteus_core.prompt.errors import MissingPromptVariableError, PromptTemplateError
from autobyteus_core.prompt.prompt_template_variable import PromptTemplateVariable

if TYPE_CHECKING:
    import jinja2

    from autobyteus_core.settings import AutobyteusSettings
    from autobyteus_core.workflow.base_step import BaseStep

#: ``"package.module:relative/path.j2"``: a file shipped inside a Python package.
RESOURCE_REF = re.compile(
    r"^(?P<package>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):(?P<path>[\w.\-]+(?:/[\w.\-]+)*)$"
)
_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")


#: Pseudo file systems whose "files" are the process's or the machine's own state.
_SYSTEM_ROOTS = ("/proc", "/sys", "/dev")


def _read_regular_file(file: Path) -> bytes:
    """The bytes of ``file``; an OSError when it is not a regular file or lies in (or on the
    same file system as) ``/proc``, ``/sys`` or ``/dev``."""
    import os
    import stat

    real = os.path.realpath(file)
    if any(real == root or real.startswith(root + "/") for root in _SYSTEM_ROOTS):
        raise OSError(f"{real} is a system file, not a template")
    fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError("it is not a regular file")
        top = os.stat("/").st_dev
        for root in _SYSTEM_ROOTS:
            try:
                device = os.stat(root).st_dev
            except OSError:
                continue
            # /proc mounted a second time elsewhere; a root that is a plain folder of "/" (not
            # mounted here) must not make every file of "/" suspect
            if device == info.st_dev and device != top:
                raise OSError(f"it is on the file system of {root}, not a template")
        return handle.read()


def is_resource_ref(spec: str) -> bool:
    """Whether ``spec`` has the ``package.module:path/to/file`` form of a package resource."""
    return RESOURCE_REF.match(spec) is not None


@functools.lru_cache(maxsize=256)
def read_resource(ref: str) -> str:
    """The text of the package resource ``"package.module:path/inside/package.j2"``.

    The path is relative to the package (for a module, the package containing it) and may not
    leave it. A resource is read once per process (steps render the same templates for every
    subtask); a failure is not remembered.
    """
    import importlib
    from importlib import resources

    match = RESOURCE_REF.match(ref)
    if match is None:
        raise PromptTemplateError(
            f"{ref!r} is not a package resource reference such as 'package.module:prompts/x.j2'"
        )
    package, path = match["package"], match["path"]
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise PromptTemplateError(f"prompt resource path {path!r} must stay inside {package}")
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise PromptTemplateError(f"cannot import {package!r} for prompt {ref!r}: {exc}") from exc
    anchor = package if hasattr(module, "__path__") else (module.__package__ or "")
    if not anchor:
        raise PromptTemplateError(f"prompt {ref!r}: module {package!r} is not inside a package")
    resource = resources.files(anchor)
    for part in parts:
        resource = resource.joinpath(part)
    try:
        return resource.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PromptTemplateError(f"cannot read prompt resource {ref!r}: {exc}") from exc


def _no_includes(name: str) -> str:
    import jinja2

    raise jinja2.TemplateNotFound(
        name, message=f"{name} (a prompt template cannot include or import other templates)"
    )


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """The one sandboxed environment every template compiles in (immutable, so sharing it is
    safe)."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        loader=jinja2.FunctionLoader(_no_includes),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.lru_cache(maxsize=512)
def _compile(source: str) -> jinja2.Template:
    """Compile ``source`` once per process: steps build a template per prompt they render, and
    jinja2's compilation costs far more than a render."""
    return _environment().from_string(source)


class PromptTemplate:
    """Template text with its declared variables; :meth:`fill` renders it.

    Build one with :meth:`from_string`, :meth:`from_resource`, :meth:`from_file`, or
    :meth:`load` (a resource reference or template text, as ``BaseStep.prompt_templates``
    holds them).
    """

    def __init__(
        self,
        template: str,
        variables: Iterable[PromptTemplateVariable] = (),
        *,
        name: str = "<string>",
        origin: str | None = None,
    ) -> None:
        """``template`` is jinja2 text; ``name`` appears in errors; ``origin`` records where the
        text was read from (a resource reference or a file path)."""
        self.template = template
        self.variables: tuple[PromptTemplateVariable, ...] = tuple(variables)
        self.name = name
        self.origin = origin
        self._compiled: jinja2.Template | None = None

    # -- constructors ----------------------------------------------------------------------------

    @classmethod
    def from_string(
        cls,
        text: str,
        variables: Iterable[PromptTemplateVariable] = (),
        *,
        name: str = "<string>",
    ) -> PromptTemplate:
        """A template from its text."""
        return cls(text, variables, name=name)

    @classmethod
    def from_resource(
        cls,
        ref: str,
        variables: Iterable[PromptTemplateVariable] = (),
        *,
        name: str | None = None,
    ) -> PromptTemplate:
        """A template shipped in a package: ``"package.module:prompts/x.j2"``."""
        return cls(read_resource(ref), variables, name=name or ref, origin=ref)

    @classmethod
    def from_file(
        cls,
        path: str | Path,
        variables: Iterable[PromptTemplateVariable] = (),
        *,
        name: str | None = None,
    ) -> PromptTemplate:
        """A template read from a file (user overrides, for example): a regular file, never
        one of ``/proc``, ``/sys`` or ``/dev`` (a template pointed at ``/proc/self/environ``
        would put the process environment, keys included, into the prompt)."""
        file = Path(path).expanduser()
        try:
            text = _read_regular_file(file).decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PromptTemplateError(f"cannot read prompt template {file}: {exc}") from exc
        return cls(text, variables, name=name or str(file), origin=str(file))

    @classmethod
    def load(
        cls,
        spec: str,
        variables: Iterable[PromptTemplateVariable] = (),
        *,
        name: str | None = None,
    ) -> PromptTemplate:
        """A package resource when ``spec`` looks like ``package.module:path``, else template
        text (the two forms ``BaseStep.prompt_templates`` accepts)."""
        if is_resource_ref(spec):
            return cls.from_resource(spec, variables, name=name)
        return cls.from_string(spec, variables, name=name or "<string>")

    @classmethod
    def for_step(
        cls,
        step: BaseStep | type[BaseStep],
        key: str,
        settings: AutobyteusSettings | None = None,
        variables: Iterable[PromptTemplateVariable] | None = None,
    ) -> PromptTemplate:
        """The template ``key`` of a step: the user's override file when settings name one
        (``[prompts.<step name>] <key> = "file.j2"`` in autobyteus.toml, or
        ``AUTOBYTEUS_PROMPTS__<STEP>__<KEY>``; a relative path is read from the workspace), else
        the step's own ``prompt_templates[key]``. ``variables`` default to the step's
        ``prompt_variables[key]`` when it declares them."""
        if variables is None:
            declared = getattr(step, "prompt_variables", None)
            variables = declared.get(key, ()) if isinstance(declared, Mapping) else ()
        path = settings.prompt_file(step.name, key) if settings is not None else None
        if path is not None:
            return cls.from_file(path, variables, name=f"{step.name}.{key} ({path})")
        spec = step.prompt_templates.get(key)
        if spec is None:
            known = ", ".join(sorted(step.prompt_templates)) or "none"
            raise PromptTemplateError(
                f"step '{step.name}' has no prompt template '{key}' (it has: {known})"
            )
        return cls.load(spec, variables, name=f"{step.name}.{key}")

    # -- compiling and filling -------------------------------------------------------------------

    def _environment(self) -> jinja2.Environment:
        return _environment()

    def compile(self) -> None:
        """Parse the template now, so a syntax error surfaces before the first :meth:`fill`."""
        if self._compiled is not None:
            return
        import jinja2

        try:
            self._compiled = _compile(self.template)
        except jinja2.TemplateSyntaxError as exc:
            raise self._syntax_error(exc) from exc

    def required_variables(self) -> set[str]:
        """Names the template reads that it does not set itself (jinja2's static analysis:
        includes variables used only inside ``{% if x is defined %}``)."""
        import jinja2
        from jinja2 import meta

        env = self._environment()
        try:
            return set(meta.find_undeclared_variables(env.parse(self.template)))
        except jinja2.TemplateSyntaxError as exc:
            raise self._syntax_error(exc) from exc

    def _syntax_error(self, exc: jinja2.TemplateSyntaxError) -> PromptTemplateError:
        return PromptTemplateError(
            f"prompt template {self.name} has a syntax error at line {exc.lineno}: {exc.message}"
        )

    def fill(self, values: Mapping[str, Any] | None = None, /, **kwargs: Any) -> str:
        """Render with ``values`` (and keyword arguments, which win).

        Raises :class:`MissingPromptVariableError` naming the variable when one is missing, and
        :class:`PromptTemplateError` for any other failure (including a template trying something
        the sandbox forbids).
        """
        import jinja2

        self.compile()
        assert self._compiled is not None
        context = {**(values or {}), **kwargs}
        try:
            return self._compiled.render(context)
        except jinja2.UndefinedError as exc:
            match = _UNDEFINED_NAME.match(str(exc))
            if match:
                missing = match.group(1)
            else:
                unknown = sorted(self.required_variables() - set(context))
                missing = unknown[0] if unknown else ""
            given = ", ".join(sorted(context)) or "none"
            what = f"variable '{missing}'" if missing else f"a value ({exc})"
            raise MissingPromptVariableError(
                f"prompt template {self.name} needs {what}, which was not given (given: {given})",
                missing,
            ) from exc
        except Exception as exc:  # templates are third-party code: any failure is theirs
            raise PromptTemplateError(
                f"prompt template {self.name} failed to render: {type(exc).__name__}: {exc}"
            ) from exc

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: name, origin, template text and variables."""
        return {
            "name": self.name,
            "origin": self.origin,
            "template": self.template,
            "variables": [v.to_dict() for v in self.variables],
        }

    def __repr__(self) -> str:
        return f"<PromptTemplate {self.name}>"

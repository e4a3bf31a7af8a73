"""Checks of generated Python source that need no disk and no interpreter subprocess."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

from autobyteus_coding_steps.parsing.report import ParseIssue
from autobyteus_coding_steps.parsing.text import excerpt

_ELISION = re.compile(
    r"^\s*(?:#|//)\s*(?:\.\.\.|…|\[\.\.\.\]|(?:the\s+)?(?:rest|remainder)\s+of\s+(?:the\s+)?"
    r"(?:code|file|class|module|implementation|methods?)|(?:existing|previous|other)\s+"
    r"(?:code|methods?|functions?|imports?)\s*(?:\.\.\.|…|unchanged|remains?|here|as\s+before|goes\s+here)"
    r"|\.\.\.\s*(?:existing|unchanged|rest|same))",
    re.IGNORECASE,
)


def python_syntax_issue(path: str, content: str) -> ParseIssue | None:
    """A fatal issue quoting the first syntax error of ``content`` (the file ``path``), or None."""
    try:
        ast.parse(content, filename=path)
    except SyntaxError as exc:
        line_text = (exc.text or "").rstrip("\n")
        return ParseIssue(
            f"`{path}` is not valid Python: {exc.msg}",
            excerpt=excerpt(line_text, 120),
            line=exc.lineno,
        )
    except (ValueError, RecursionError, MemoryError) as exc:
        return ParseIssue(f"`{path}` is not valid Python: {exc}")
    return None


def looks_like_python_module(text: str) -> bool:
    """Whether bare text (no fences) is unambiguously Python code: it parses and holds at least
    one statement other than a lone expression (so a sentence such as ``Sure`` does not count)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return any(not isinstance(node, ast.Expr) for node in tree.body)


def elision_issue(path: str, content: str) -> ParseIssue | None:
    """A fatal issue when ``content`` leaves part of the file out (``# ... rest of the code``):
    written as is, it would erase what it stands for."""
    for number, line in enumerate(content.split("\n"), start=1):
        if _ELISION.match(line):
            return ParseIssue(
                f"the reply leaves part of `{path}` out instead of giving the whole file",
                excerpt=excerpt(line, 100),
                line=number,
            )
    return None


def _tree(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def defined_names(source: str) -> list[str] | None:
    """Names bound at the top level of a module (classes, functions, assignments, imports), in
    order; None when ``source`` does not parse."""
    tree = _tree(source)
    if tree is None:
        return None
    names: list[str] = []

    def add(name: str) -> None:
        if name not in names:
            names.append(name)

    def targets(node: ast.expr) -> None:
        if isinstance(node, ast.Name):
            add(node.id)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for element in node.elts:
                targets(element)

    def walk(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                add(node.name)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    targets(target)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets(node.target)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    add(alias.asname or alias.name.split(".", 1)[0])
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name != "*":
                        add(alias.asname or alias.name)
            elif isinstance(node, (ast.If, ast.Try)):
                walk(node.body)
                walk(node.orelse)
                if isinstance(node, ast.Try):
                    for handler in node.handlers:
                        walk(handler.body)
                    walk(node.finalbody)

    walk(tree.body)
    return names


def public_definitions(source: str) -> list[str]:
    """Public classes and functions defined at the top level of ``source`` (for prompts)."""
    tree = _tree(source)
    if tree is None:
        return []
    return [
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and not node.name.startswith("_")
    ]


def dropped_definitions(old: str, new: str) -> list[str]:
    """Top-level classes and functions of ``old`` that ``new`` no longer defines (an update that
    would erase earlier work). Empty when either does not parse."""
    tree_old, names_new = _tree(old), defined_names(new)
    if tree_old is None or names_new is None:
        return []
    return [
        node.name
        for node in tree_old.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and node.name not in names_new
    ]


def _absolute_module(module: str | None, level: int, importer: str, is_package: bool) -> str:
    if level == 0:
        return module or ""
    parts = importer.split(".")
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, module] if module else parts)


def unknown_imports(
    source: str, importer: str, modules: dict[str, str], *, is_package: bool = False
) -> list[ParseIssue]:
    """Soft fatal issues for each ``from M import name`` in ``source`` where ``M`` is one of the
    project's ``modules`` (module name → source) and does not define ``name``.

    ``importer`` is the dotted name of the module ``source`` belongs to (for relative imports).
    Modules outside ``modules`` (the standard library, third-party packages) are not checked.
    """
    tree = _tree(source)
    if tree is None:
        return []
    issues: list[ParseIssue] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        target = _absolute_module(node.module, node.level, importer, is_package)
        if target not in modules:
            continue
        available = defined_names(modules[target])
        if available is None:
            continue
        for alias in node.names:
            if alias.name == "*" or alias.name in available or f"{target}.{alias.name}" in modules:
                continue
            shown = ", ".join(name for name in available if not name.startswith("_")) or "nothing"
            issues.append(
                ParseIssue(
                    f"`{target}` has no `{alias.name}` to import; it defines: {shown}",
                    excerpt=excerpt(ast.get_source_segment(source, node) or "", 100),
                    line=node.lineno,
                    soft=True,
                )
            )
    return issues


def missing_test_function_issue(path: str, content: str) -> ParseIssue | None:
    """A fatal issue when the test file ``content`` defines no ``test_`` function or method."""
    tree = _tree(content)
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith(
            "test"
        ):
            return None
    return ParseIssue(f"`{path}` has no test function; write functions named `test_...`")


#: Lines :func:`whole_tests` drops at most, looking for a prefix that parses: a cut falls in
#: the last statement, and statements of a test are short.
_WHOLE_TESTS_TRIES = 40


def _is_test(node: ast.stmt) -> bool:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return node.name.startswith("test")
    if isinstance(node, ast.ClassDef):
        return any(map(_is_test, node.body))
    return False


def whole_tests(source: str) -> tuple[str, ParseIssue] | None:
    """What a test file cut off at its end (a reply that hit the length limit) wrote whole: the
    longest prefix of its lines that parses once the line the cut fell in is dropped (a test
    cut between two asserts keeps the asserts before the cut; one cut inside an assert loses
    that assert). Returns that source with a note saying what was dropped; None when it holds
    no test function."""
    lines = source.rstrip("\n").split("\n")
    for end in range(len(lines) - 1, max(len(lines) - 1 - _WHOLE_TESTS_TRIES, 0), -1):
        kept = "\n".join(lines[:end]).rstrip()
        tree = _tree(kept)
        if tree is None:
            continue
        tests = sum(map(_is_test, tree.body))
        if not tests:
            return None
        dropped = len(lines) - end
        note = ParseIssue(
            f"the reply was cut off at its end: kept its first {end} line(s), {tests} test "
            f"function(s), and dropped the {dropped} line(s) the cut fell in",
            line=end + 1,
            fatal=False,
        )
        return kept + "\n", note
    return None


def given_code_tests(source: str, given: Iterable[str], defined: Iterable[str]) -> list[str]:
    """The top-level test functions of ``source`` that use, of the names in ``defined``, only
    names in ``given`` (and at least one of them); empty when ``source`` does not parse."""
    tree = _tree(source)
    if tree is None:
        return []
    given, defined = set(given), set(defined)
    found = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_test(node):
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in defined}
            if used and used <= given:
                found.append(node.name)
    return found


def without_functions(source: str, names: Iterable[str]) -> str:
    """``source`` without the top-level functions ``names`` (their decorators included)."""
    tree = _tree(source)
    if tree is None:
        return source
    wanted = set(names)
    lines = source.split("\n")
    cuts = [
        (
            min([node.lineno, *(d.lineno for d in node.decorator_list)]),
            node.end_lineno or node.lineno,
        )
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in wanted
    ]
    for first, last in sorted(cuts, reverse=True):
        del lines[first - 1 : last]
    return re.sub(r"\n{3,}(?=\S)", "\n\n\n", "\n".join(lines)).rstrip() + "\n"


def erased_work_issue(path: str, old: str | None, new: str) -> ParseIssue | None:
    """A fatal issue when ``new`` content for ``path`` drops classes or functions that ``old``
    had (a later subtask or a fix must never silently erase earlier work)."""
    if old is None or not path.endswith(".py"):
        return None
    dropped = dropped_definitions(old, new)
    if not dropped:
        return None
    names = ", ".join(f"`{name}`" for name in dropped)
    return ParseIssue(
        f"the new `{path}` no longer has {names}, which the file already had; keep everything "
        "that is there and reply with the whole file"
    )


def imported_modules(source: str, importer: str, candidates: Iterable[str]) -> list[str]:
    """Which of the module names ``candidates`` ``source`` imports (directly or a name from)."""
    tree = _tree(source)
    if tree is None:
        return []
    wanted = set(candidates)
    found: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute_module(node.module, node.level, importer, False)
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        for name in names:
            while name and name not in wanted:
                name = name.rpartition(".")[0]
            if name and name not in found:
                found.append(name)
    return found


_DEFINITION_KIND = re.compile(r"\b(class|classes|function|functions|method|methods)\b", re.I)


def requested_names_issue(title: str, path: str, content: str) -> ParseIssue | None:
    """A fatal issue when a task titled like ``Implement the `name` Function`` (or ``Class``)
    gets a module ``content`` that does not define ``name`` at its top level.

    Small models asked to add a function to a file that has a class with a method of that name
    tend to return the file unchanged; this catches it. Titles about methods are not checked.
    """
    if not path.endswith(".py"):
        return None
    kinds = {
        kind.lower().rstrip("s").replace("classe", "class")
        for kind in _DEFINITION_KIND.findall(title)
    }
    if not kinds or "method" in kinds:
        return None
    wanted = [name.strip().removesuffix("()") for name in re.findall(r"`([^`\n]+)`", title)]
    wanted = [name for name in wanted if name.isidentifier()]
    defined = defined_names(content)
    if not wanted or defined is None:
        return None
    missing = [name for name in wanted if name not in defined]
    if not missing:
        return None
    names = ", ".join(f"`{name}`" for name in missing)
    return ParseIssue(
        f"`{path}` does not define {names} at module level, which the task asks for; define it "
        "at the top level of the module (not inside a class) and keep everything else",
        soft=True,
    )


def _is_pytest_raises(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "raises"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "pytest"
    )


#: How often one assert must follow itself to count as a model running away (a stateful
#: check such as ``assert stack.pop() == 1`` may rightly come twice in a row).
_RUNAWAY_REPEATS = 3


def _without_repeated_asserts(source: str, tree: ast.Module) -> tuple[str, int]:
    """``source`` with each run of one assert repeated word for word at least
    ``_RUNAWAY_REPEATS`` times in a row cut to its first (a small model running away writes
    one line forty times), and how many asserts went."""
    repeats: list[ast.stmt] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            run: list[ast.stmt] = []
            for statement in [*node.body, None]:
                same = (
                    isinstance(statement, ast.Assert)
                    and bool(run)
                    and ast.dump(statement) == ast.dump(run[0])
                )
                if same:
                    run.append(statement)  # type: ignore[arg-type]
                    continue
                if len(run) >= _RUNAWAY_REPEATS:
                    repeats += run[1:]
                run = [statement] if isinstance(statement, ast.Assert) else []
    lines = source.split("\n")
    for statement in sorted(repeats, key=lambda s: s.lineno, reverse=True):
        del lines[statement.lineno - 1 : statement.end_lineno or statement.lineno]
    return "\n".join(lines), len(repeats)


def repair_test_source(source: str) -> tuple[str, list[ParseIssue]]:
    """``source`` of a pytest file with three mistakes small models make repaired, and a note
    for each repair: a run of one assert repeated word for word ``_RUNAWAY_REPEATS`` or more
    times in a row is cut to its first, ``assert call(...) == pytest.raises(E)`` on one line becomes
    ``with pytest.raises(E):`` followed by the call, and a file that uses ``pytest`` without
    importing it gets ``import pytest``. Anything else is left alone; so is source that does not
    parse."""
    tree = _tree(source)
    if tree is None:
        return source, []
    notes: list[ParseIssue] = []
    source, repeated = _without_repeated_asserts(source, tree)
    if repeated:
        notes.append(ParseIssue(f"dropped {repeated} repeated assert(s)", fatal=False))
        tree = _tree(source)
        assert tree is not None  # whole statements of a body that keeps its first assert
    lines = source.split("\n")
    rewrites: dict[int, list[str]] = {}
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Assert)
            and node.lineno == node.end_lineno
            and isinstance(node.test, ast.Compare)
            and len(node.test.ops) == 1
            and isinstance(node.test.ops[0], (ast.Eq, ast.Is))
            and _is_pytest_raises(node.test.comparators[0])
            and isinstance(node.test.left, ast.Call)
        ):
            continue
        line = lines[node.lineno - 1]
        indent = line[: len(line) - len(line.lstrip())]
        raises = ast.get_source_segment(source, node.test.comparators[0])
        call = ast.get_source_segment(source, node.test.left)
        if raises is None or call is None:
            continue
        rewrites[node.lineno - 1] = [f"{indent}with {raises}:", f"{indent}    {call}"]
        notes.append(
            ParseIssue(
                f"rewrote a comparison with `pytest.raises` as `with {raises}:`",
                excerpt=excerpt(line, 100),
                line=node.lineno,
                fatal=False,
            )
        )
    repaired: list[str] = []
    for index, line in enumerate(lines):
        repaired += rewrites.get(index, [line])
    text = "\n".join(repaired)
    uses_pytest = any(
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "pytest"
        for node in ast.walk(tree)
    )
    names = defined_names(source) or []
    if uses_pytest and "pytest" not in names:
        text = "import pytest\n" + text
        notes.append(ParseIssue("added the missing `import pytest`", fatal=False))
    return text, notes


@dataclass(frozen=True)
class Expectation:
    """``assert call(...) == <literal>`` on one line of a test: the call's source, the expected
    literal's source, and where that literal sits on the line (character offsets)."""

    line: int
    call: str
    expected: str
    start: int
    end: int
    call_on_left: bool = True


def _literal(node: ast.expr, source: str) -> ast.expr | None:
    """``node`` if it is a literal (or the literal inside ``pytest.approx(...)``)."""
    if isinstance(node, ast.Call) and _is_pytest_attr(node.func, "approx") and node.args:
        node = node.args[0]
    segment = ast.get_source_segment(source, node)
    if segment is None:
        return None
    try:
        ast.literal_eval(segment)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return node


def _is_pytest_attr(node: ast.expr, name: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == name
        and isinstance(node.value, ast.Name)
        and node.value.id == "pytest"
    )


def expectation_at(source: str, line: int) -> Expectation | None:
    """The expectation asserted on ``line`` of the test ``source``, when that line is a one-line
    ``assert <call> == <literal>`` (either way round; ``pytest.approx(<literal>)`` counts)."""
    tree = _tree(source)
    if tree is None:
        return None
    lines = source.split("\n")
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Assert)
            and node.lineno == line == node.end_lineno
            and isinstance(node.test, ast.Compare)
            and len(node.test.ops) == 1
            and isinstance(node.test.ops[0], ast.Eq)
        ):
            continue
        left, right = node.test.left, node.test.comparators[0]
        for call, other in ((left, right), (right, left)):
            if not isinstance(call, ast.Call) or _is_pytest_attr(call.func, "approx"):
                continue
            literal = _literal(other, source)
            call_source = ast.get_source_segment(source, call)
            if literal is None or call_source is None or literal.end_col_offset is None:
                continue
            encoded = lines[line - 1].encode("utf-8")
            start = len(encoded[: literal.col_offset].decode("utf-8", "replace"))
            end = len(encoded[: literal.end_col_offset].decode("utf-8", "replace"))
            expected = lines[line - 1][start:end]
            return Expectation(line, call_source, expected, start, end, call is left)
    return None


@dataclass(frozen=True)
class TruthCheck:
    """``assert call(...)`` or ``assert not call(...)`` on one line of a test."""

    line: int
    call: str
    negated: bool


def truth_check_at(source: str, line: int) -> TruthCheck | None:
    """The one-line ``assert <call>`` or ``assert not <call>`` on ``line`` of ``source``."""
    tree = _tree(source)
    if tree is None:
        return None
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assert) and node.lineno == line == node.end_lineno):
            continue
        test, negated = node.test, False
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            test, negated = test.operand, True
        if isinstance(test, ast.Call) and not _is_pytest_attr(test.func, "approx"):
            call = ast.get_source_segment(source, test)
            if call is not None and node.msg is None:
                return TruthCheck(line, call, negated)
    return None


def toggled_truth(source: str, check: TruthCheck) -> str:
    """``source`` with the check on ``check.line`` asserting the opposite truth."""
    lines = source.split("\n")
    text = lines[check.line - 1]
    indent = text[: len(text) - len(text.lstrip())]
    lines[check.line - 1] = f"{indent}assert {'' if check.negated else 'not '}{check.call}"
    return "\n".join(lines)


def replace_expectation(source: str, expectation: Expectation, literal: str) -> str:
    """``source`` with the expected literal of ``expectation`` replaced by ``literal``."""
    lines = source.split("\n")
    text = lines[expectation.line - 1]
    lines[expectation.line - 1] = text[: expectation.start] + literal + text[expectation.end :]
    return "\n".join(lines)


@dataclass(frozen=True)
class RaisesBlock:
    """``with pytest.raises(E):`` around a single call, spanning ``line`` to ``end_line``."""

    line: int
    end_line: int
    call: str
    exception: str


def raises_block_at(source: str, line: int) -> RaisesBlock | None:
    """The ``with pytest.raises(E):`` block starting on ``line`` whose body is one call."""
    tree = _tree(source)
    if tree is None:
        return None
    for node in ast.walk(tree):
        if not (isinstance(node, ast.With) and node.lineno == line and len(node.items) == 1):
            continue
        raises = node.items[0].context_expr
        if not (isinstance(raises, ast.Call) and _is_pytest_raises(raises) and raises.args):
            continue
        if len(node.body) != 1 or not isinstance(node.body[0], ast.Expr):
            continue
        call = ast.get_source_segment(source, node.body[0].value)
        exception = ast.get_source_segment(source, raises.args[0])
        if call and exception and node.end_lineno is not None:
            return RaisesBlock(line, node.end_lineno, call, exception)
    return None


def remove_lines(source: str, first: int, last: int) -> str:
    """``source`` without its lines ``first`` to ``last`` (1-based, inclusive); a function left
    without a body gets ``pass``."""
    lines = source.split("\n")
    indent = lines[first - 1][: len(lines[first - 1]) - len(lines[first - 1].lstrip())]
    del lines[first - 1 : last]
    text = "\n".join(lines)
    if _tree(text) is None:
        lines.insert(first - 1, f"{indent}pass")
        text = "\n".join(lines)
    return text

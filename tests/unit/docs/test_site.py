"""The documentation site and the front page: every page is in mkdocs.yml's nav (MkDocs only
mentions a page left out), README keeps the two commands, and the relative links of README and
the pages resolve on GitHub too, where a link is read against the file's own folder (the strict
build checks them only as site pages)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from tests import REPO

DOCS = REPO / "docs"
#: ``[text](target)`` outside code; the target up to a space, ``)`` or ``#``.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s#]*)(#[^)\s]*)?\)")
INCLUDE = re.compile(r'^--8<-- "([^"]+)"$', re.M)


def nav_pages(entries: list[Any]) -> Iterator[str]:
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        if isinstance(value, list):
            yield from nav_pages(value)
        else:
            yield value


def doc_pages() -> set[str]:
    return {path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md")}


def prose(text: str) -> str:
    """``text`` without its fenced code blocks, whose brackets are not links."""
    return re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)


def broken_links(path: Path, root: Path = REPO) -> list[str]:
    found = []
    for target, _anchor in LINK.findall(prose(path.read_text(encoding="utf-8"))):
        if not target or re.match(r"[a-z]+:", target):
            continue  # an anchor in the same file, or a URL
        if not (path.parent / target).exists():
            found.append(f"{path.relative_to(root)}: {target}")
    return found


def test_every_page_is_in_the_nav_and_the_nav_names_only_pages() -> None:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = list(nav_pages(config["nav"]))
    assert len(listed) == len(set(listed)), "a page is listed twice"
    assert set(listed) == doc_pages()


def test_the_readme_and_every_page_link_only_to_files_that_exist() -> None:
    sources = [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted(DOCS.rglob("*.md"))]
    assert [hit for path in sources for hit in broken_links(path)] == []


def test_included_files_exist_and_each_plugin_readme_has_a_page() -> None:
    included = {
        target
        for path in DOCS.rglob("*.md")
        for target in INCLUDE.findall(path.read_text(encoding="utf-8"))
    }
    assert all((REPO / target).is_file() for target in included), included
    readmes = {p.relative_to(REPO).as_posix() for p in (REPO / "plugins").glob("*/README.md")}
    assert readmes | {"CONTRIBUTING.md"} <= included


def test_the_front_page_gives_the_two_commands_and_links_to_the_documentation() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^(make \w+)\s", quick_start, re.M)
    assert commands == ["make demo", "make test"]
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "docs/index.md" in [target for target, _ in LINK.findall(prose(readme))]


def test_the_link_check_sees_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    (tmp_path / "there.md").write_text("", encoding="utf-8")
    page.write_text(
        "[ok](there.md#x) [anchor](#y) [url](https://example.org/z.md)\n"
        "```\n[in code](gone.md)\n```\n[broken](gone.md)\n",
        encoding="utf-8",
    )
    assert broken_links(page, root=tmp_path) == ["page.md: gone.md"]

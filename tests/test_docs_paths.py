"""Every file README.md and docs/*.md cite is in the repository: link targets, paths from the
repository's root (`edge/…`, `examples/…`) in prose and in code blocks, and bare file names in
prose, found beside the page, at the root or in a directory the same paragraph names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
TOP = {p.name for p in ROOT.iterdir()} - {".git", ".venv"}
# Kinds of file the repository ships; a bare name of another kind (a .db, a .pdf, a .crt) is
# something the programs make at run time.
SHIPPED = r"\.(?:py|md|csv|json|toml|js|html|css|sh|rules|service)"
BARE = re.compile(rf"^[\w.-]+{SHIPPED}$")
# Named in the docs as the user's own file, never shipped: the edge's config, made from
# edge.example.toml.
USERS_OWN = {"edge.toml"}
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
# What tests/docs_reference.py writes from the code's help texts (docs/installer.md): they name
# config keys (`carrier.service`) and files a command reads (`FILE.csv`), not files of the
# repository; tests/test_docs_installer.py keeps them true.
GENERATED = re.compile(r"^<!-- generated: .*?^<!-- end of generated: [^>]*-->", re.M | re.S)


def _tokens(text: str) -> list[str]:
    """Words of `text` as they may name a file: punctuation and a possessive ('s) taken off."""
    words = (t.strip(".,;:()[]'\"*") for t in re.split(r"[\s=]+", text) if t)
    return [re.sub(r"['\u2019]s$", "", w) for w in words if w]


def _from_root(token: str) -> bool:
    first = token.split("/")[0]
    return "/" in token and first in TOP and "://" not in token


def cited(page: Path) -> list[tuple[str, list[Path]]]:
    """(citation, the places it may be) for every file the page cites."""
    text = GENERATED.sub("", page.read_text(encoding="utf-8"))
    found: list[tuple[str, list[Path]]] = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if not re.match(r"[a-z]+:|#", target):
            found.append((target, [page.parent / target.split("#")[0]]))
    for block in FENCE.findall(text):
        found += [(t, [ROOT / t]) for t in _tokens(block) if _from_root(t)]
    for paragraph in re.split(r"\n\s*\n", FENCE.sub("", text)):
        words = [t for span in re.findall(r"`([^`]+)`", paragraph) for t in _tokens(span)]
        paths = [t for t in words if _from_root(t)]
        found += [(t, [ROOT / t]) for t in paths]
        dirs = {ROOT / t.rstrip("/") for t in paths} | {(ROOT / t).parent for t in paths}
        # A bare name counts in backticks and in plain prose ("as REQUIREMENTS.md's formula does").
        prose = _tokens(re.sub(r"`[^`]*`", " ", paragraph))
        for name in {t for t in words + prose if BARE.match(t)} - USERS_OWN:
            found.append((name, [page.parent / name, ROOT / name, *(d / name for d in dirs)]))
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_a_page_cites_is_in_the_repository(page: Path) -> None:
    missing = [name for name, places in cited(page) if not any(p.exists() for p in places)]

    assert missing == []


def test_the_check_sees_paths_names_and_links() -> None:
    names = {name for page in PAGES for name, _ in cited(page)}

    assert {"central_sync/cli.py", "central.py", "docs/https.md", "sync.md"} <= names


def test_a_bare_name_in_prose_is_a_citation_too(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("Available counts, as NOT-HERE.md's formula does.\n", encoding="utf-8")

    assert [name for name, _ in cited(page)] == ["NOT-HERE.md"]

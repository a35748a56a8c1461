"""The one-page guides per role (docs/roles/): each in English and Chinese, linking only pictures
that are there (taken by tests/test_role_guides_browser.py), each picture linked, small, and in
its page's language; the codes they explain are the message catalogue's (refusals and prompts)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from edge.domain.messages import CATALOGUE, PROMPTS
from tests.test_role_guides_browser import MAX_BYTES, SHOTS

ROLES_DIR = Path(__file__).resolve().parents[1] / "docs" / "roles"
IMAGES = ROLES_DIR / "img"
ROLES = ("picker", "packer", "returns-clerk", "supervisor")
LANGUAGES = {"en": "{role}.md", "zh": "{role}.zh.md"}
PAGES = [ROLES_DIR / form.format(role=r) for r in ROLES for form in LANGUAGES.values()]
IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
CJK = re.compile(r"[\u4e00-\u9fff]")
HANDHELD, BENCH = (360, 640), (1024, 768)  # the sizes the browser test takes them at


def language(page: Path) -> str:
    return "zh" if page.name.endswith(".zh.md") else "en"


def images_of(page: Path) -> list[Path]:
    return [page.parent / link for link in IMAGE_LINK.findall(page.read_text(encoding="utf-8"))]


def codes_of(page: Path) -> list[str]:
    """The codes in the page's `| code | …` tables."""
    text = page.read_text(encoding="utf-8")
    tables = re.findall(r"^\| code \|.*?(?=\n\n|\Z)", text, re.M | re.S)
    return [c for table in tables for c in re.findall(r"^\| `([a-z_]+)` \|", table, re.M)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_picture_a_role_page_links_is_there_and_in_the_pages_language(page: Path) -> None:
    linked = images_of(page)

    assert linked, f"{page.name} shows no picture"
    assert [p.name for p in linked if not p.is_file()] == []
    assert [p.name for p in linked if not p.name.endswith(f"-{language(page)}.png")] == []


def test_every_picture_is_linked_by_a_page_and_taken_by_the_browser_test() -> None:
    linked = {p.resolve() for page in PAGES for p in images_of(page)}
    present = {p.resolve() for p in IMAGES.iterdir()}
    taken = {(IMAGES / f"{s}-{lang}.png").resolve() for s in SHOTS for lang in LANGUAGES}

    assert present == linked == taken
    assert len(present) <= 16


@pytest.mark.parametrize("picture", sorted(IMAGES.glob("*")), ids=lambda p: p.name)
def test_each_picture_is_a_small_png_at_a_handheld_or_bench_size(picture: Path) -> None:
    with Image.open(picture) as image:
        shape = (image.format, image.size)

    assert picture.stat().st_size < MAX_BYTES
    assert shape in {("PNG", HANDHELD), ("PNG", BENCH)}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_has_its_page_in_both_languages_explaining_the_same_codes(role: str) -> None:
    en, zh = (ROLES_DIR / form.format(role=role) for form in LANGUAGES.values())

    assert codes_of(en) == codes_of(zh)
    assert [c for c in codes_of(en) if c not in CATALOGUE and c not in PROMPTS] == []
    assert len(CJK.findall(zh.read_text(encoding="utf-8"))) > 300
    assert len(CJK.findall(en.read_text(encoding="utf-8"))) < 10  # the 中文 link, the toggle


def test_the_installer_guide_and_the_readme_link_every_role_page() -> None:
    docs = ROLES_DIR.parent
    linked = (docs / "installer.md").read_text(encoding="utf-8")
    readme = (docs.parent / "README.md").read_text(encoding="utf-8")

    assert [r for r in ROLES if f"(roles/{r}.md)" not in linked] == []
    assert [r for r in ROLES if f"(docs/roles/{r}.md)" not in readme] == []

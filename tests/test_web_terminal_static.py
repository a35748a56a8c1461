"""The handheld web terminal as static files: served under /ui/ with the types a browser needs for
ES modules, every file it loads present, and every word it shows in English and Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

WEB = Path(__file__).resolve().parents[1] / "web_terminal"
TYPES = {
    ".js": {"text/javascript", "application/javascript"},
    ".css": {"text/css"},
    ".html": {"text/html"},
}
ASSETS = sorted(p.name for p in WEB.iterdir() if p.suffix in TYPES)
SCRIPTS = sorted(WEB.glob("*.js"))


def _media_type(response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def _strings(lang: str) -> dict[str, str]:
    """The `lang` block of STRINGS in i18n.js: one `key: "text",` per line."""
    source = (WEB / "i18n.js").read_text(encoding="utf-8")
    block = re.search(rf"^  {lang}: \{{\n(.*?)^  \}},", source, re.M | re.S)
    assert block, f"no {lang} block in i18n.js"
    return dict(re.findall(r'^    (\w+): "(.*)",$', block.group(1), re.M))


def _used_keys() -> set[str]:
    used = set()
    for path in SCRIPTS:
        used |= set(re.findall(r"""\bt\(\s*["'](\w+)["']""", path.read_text(encoding="utf-8")))
    used |= set(re.findall(r'data-i18n="(\w+)"', (WEB / "index.html").read_text(encoding="utf-8")))
    return used


def test_the_terminal_page_is_served_at_ui(client: TestClient) -> None:
    response = client.get("/ui/")

    assert (response.status_code, _media_type(response)) == (200, "text/html")
    assert '<script type="module" src="app.js"></script>' in response.text


def test_ui_without_a_slash_redirects_to_the_page(client: TestClient) -> None:
    response = client.get("/ui", follow_redirects=False)

    assert (response.status_code, response.headers["location"].endswith("/ui/")) == (307, True)


@pytest.mark.parametrize("name", ASSETS)
def test_every_asset_is_served_with_its_content_type(client: TestClient, name: str) -> None:
    response = client.get(f"/ui/{name}")

    assert response.status_code == 200
    assert _media_type(response) in TYPES[Path(name).suffix]


def test_every_file_the_page_loads_exists() -> None:
    html = (WEB / "index.html").read_text(encoding="utf-8")
    wanted = set(re.findall(r'(?:src|href)="([\w.]+)"', html))
    for path in SCRIPTS:
        wanted |= set(re.findall(r'from "\./([\w.]+)"', path.read_text(encoding="utf-8")))

    missing = {name for name in wanted if not (WEB / name).is_file()}

    assert wanted >= {"app.js", "style.css"}
    assert missing == set()


def test_both_languages_have_the_same_keys() -> None:
    en, zh = _strings("en"), _strings("zh")

    assert sorted(set(en) ^ set(zh)) == []
    assert len(en) > 50


def test_every_key_the_terminal_uses_exists_in_both_languages() -> None:
    used = _used_keys()

    assert sorted(used - set(_strings("en"))) == []
    assert sorted(used - set(_strings("zh"))) == []


def test_every_translation_names_its_key_literally_so_this_test_sees_it() -> None:
    dynamic = []
    for path in SCRIPTS:
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            # t()'s own definition, and the data-i18n keys of index.html (checked there).
            if "function t(" in line or "t(node.dataset.i18n)" in line:
                continue
            if re.search(r"""\bt\((?!\s*["'])""", line):
                dynamic.append(f"{path.name}:{line_no}: {line.strip()}")

    assert dynamic == []


def test_placeholders_are_the_same_in_both_languages() -> None:
    en, zh = _strings("en"), _strings("zh")

    def names(text: str) -> list[str]:
        return sorted(re.findall(r"\{(\w+)\}", text))

    differ = {
        k: (names(en[k]), names(zh[k]))
        for k in en.keys() & zh.keys()
        if names(en[k]) != names(zh[k])
    }

    assert differ == {}


@pytest.mark.parametrize("api", ["randomUUID", "navigator.clipboard", "crypto.subtle"])
def test_the_terminal_uses_no_secure_context_only_api(api: str) -> None:
    # Handhelds open the edge by its LAN name over plain HTTP, where these are missing.
    code = {
        p.name: re.sub(r"/\*.*?\*/|//.*", "", p.read_text(encoding="utf-8"), flags=re.S)
        for p in SCRIPTS
    }

    users = [name for name, text in code.items() if api in text]

    assert users == []


def test_the_edge_root_opens_the_terminal(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)

    assert (response.status_code, response.headers["location"]) == (307, "/ui/")


def test_every_exception_kind_the_edge_raises_has_its_name_on_the_terminal() -> None:
    """The exceptions screen and the board name each kind in the operator's language, never by
    its code (cutoff_at_risk showed as its code)."""
    from edge.domain.exceptions import KINDS

    source = (WEB / "exceptions.js").read_text(encoding="utf-8")
    named = set(re.findall(r'^  (\w+): \(\) => t\("exc_kind_\1"\)', source, re.M))

    assert sorted(set(KINDS) - named) == []
    assert all(f"exc_kind_{k}" in _strings(lang) for k in KINDS for lang in ("en", "zh"))

"""The API docs on an offline network (every edge, by design): Swagger UI loads only from the server
itself. Debian's Chromium opens /docs of the real edge and the real central with every request to
any other host aborted, and sees every operation rendered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.browser import ANSWER_TIMEOUT_MS
from tests.central.servers import running_central
from tests.servers import HOST, running_server

pytestmark = pytest.mark.slow

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    edge_home, central_home = tmp_path_factory.mktemp("edge"), tmp_path_factory.mktemp("central")
    with (
        running_server(edge_home) as edge,
        running_central(str(central_home / "central.db"), central_home) as central,
    ):
        yield {"edge": edge.url, "central": central.url}


@pytest.fixture
def offline(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """A page that can reach 127.0.0.1 only; the list gets every URL it was refused."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    refused: list[str] = []

    def only_local(route: Any) -> None:
        if urlsplit(route.request.url).hostname == HOST:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_local)
    yield context.new_page(), refused
    context.close()


def operations(url: str) -> int:
    paths = httpx.get(f"{url}/openapi.json", timeout=10).json()["paths"]
    return sum(1 for ops in paths.values() for method in ops if method in METHODS)


@pytest.mark.parametrize("server", ["edge", "central"])
def test_swagger_ui_renders_every_operation_with_no_other_host_reachable(
    servers: dict[str, str], offline: tuple[Any, list[str]], server: str
) -> None:
    page, refused = offline
    url = servers[server]

    page.goto(f"{url}/docs")
    page.locator(".opblock").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    shown = page.locator(".opblock").count()

    assert refused == []
    assert shown == operations(url) > 5


def test_the_docs_page_names_no_other_host(servers: dict[str, str]) -> None:
    pages = {server: httpx.get(f"{url}/docs", timeout=10).text for server, url in servers.items()}
    # ReDoc is not served: its bundle fetches a logo from the web.
    redoc = [httpx.get(f"{url}/redoc", timeout=10).status_code for url in servers.values()]

    assert {server: "https://" in text for server, text in pages.items()} == {
        "edge": False,
        "central": False,
    }
    assert redoc == [404, 404]

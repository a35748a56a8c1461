"""Fixtures on real SQLite files and the real app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.config import Settings, load_settings
from edge.store.database import Store
from edge.store.verify import verify
from tests.support import Floor, migrated_copy

# PIN hashing at production cost makes every login ~50 ms; tests use a cheaper cost.
os.environ.setdefault("WAREHOUSE_EDGE_AUTH_PIN_HASH_COST", "10")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # no scheduled weekly report in tests (tests/test_weekly_mail.py runs it by its own clock)
    overrides = {"edge.data_dir": tmp_path, "auth.pin_hash_cost": 10, "report.schedule": ""}
    return load_settings(env={}, overrides=overrides)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A module that sets `WRITERS = ("thread", "process")` runs each test that uses the store
    once with each writer ([store] writer): the same routes, services and answers either way."""
    writers = getattr(metafunc.module, "WRITERS", None)
    if writers and "writer_kind" in metafunc.fixturenames:
        metafunc.parametrize("writer_kind", writers)


@pytest.fixture
def writer_kind() -> str:
    """Where the `store` fixture's writes run (see pytest_generate_tests)."""
    return "thread"


@pytest.fixture
def store(settings: Settings, writer_kind: str) -> Iterator[Store]:
    s = Store(migrated_copy(settings.db_path), edge_id=settings.edge.id, writer=writer_kind)
    yield s
    s.close()


@pytest.fixture
def ledger_verifies(store: Store) -> Iterator[None]:
    """`warehouse-edge verify` finds nothing wrong after the scenario; a module turns it on for
    all its tests with `pytestmark = pytest.mark.usefixtures("ledger_verifies")`."""
    yield
    assert verify(store.read()) == []


@pytest.fixture
def client(settings: Settings, store: Store) -> Iterator[TestClient]:
    from edge.api.app import create_app

    with TestClient(create_app(settings, store=store)) as c:
        yield c


@pytest.fixture
def floor(store: Store, client: TestClient) -> Floor:
    """A small warehouse: two bins, one product with an EA and a case barcode, operators."""
    return Floor.build(store, client)


# --- the browser tests' shared fixtures (Debian Chromium driven by playwright; tests/browser.py)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from tests.browser import launch_chromium, require_browser

    require_browser()  # skips (or fails under CI) before playwright is imported
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[Any]:
    """A fresh demo per test (it starts in about two seconds): no test sees another's work."""
    from tests.browser import running_demo

    with running_demo(tmp_path) as demo:
        yield demo


@pytest.fixture
def sheet(edge: Any) -> Any:
    from tests.browser import read_sheet

    return read_sheet(edge.sheet)


@pytest.fixture
def handheld(browser: Any) -> Iterator[Any]:
    """A handheld's page at 360×640 with touch, its feedback tones recorded (tests/browser.py)."""
    from tests.browser import HANDHELD, RECORD_TONES, Handheld

    context = browser.new_context(**HANDHELD)
    context.add_init_script(RECORD_TONES)
    yield Handheld(context.new_page())
    context.close()


@pytest.fixture
def station_screen(browser: Any) -> Iterator[Any]:
    """A station's screen on the bench's PC (1024×768 with touch)."""
    from tests.browser import STATION_SCREEN, StationScreen

    context = browser.new_context(**STATION_SCREEN)
    yield StationScreen(context.new_page())
    context.close()

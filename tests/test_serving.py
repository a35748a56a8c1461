"""What the edge's server does once its app has started, before the first request."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.api.serving import started
from edge.config import Settings, load_settings
from labels.fonts import cjk_font


def settings_with_printers(tmp_path: Path, printers: list[dict[str, str]]) -> Settings:
    (tmp_path / "printed").mkdir(exist_ok=True)
    env = {
        "WAREHOUSE_EDGE_STATIONS": json.dumps([{"name": "BENCH-1", "type": "pack_bench"}]),
        "WAREHOUSE_EDGE_PRINTERS": json.dumps([p | {"station": "BENCH-1"} for p in printers]),
    }
    return load_settings(env=env, overrides={"edge.data_dir": tmp_path})


@pytest.fixture
def collector_back() -> Iterator[None]:
    """The test process's collector as it was: what `started` froze is thawed again."""
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("collector_back")
def test_with_a_pdf_printer_the_label_font_is_loaded_and_what_is_alive_is_frozen(
    tmp_path: Path,
) -> None:
    pdf = {"name": "p", "kind": "file", "path": str(tmp_path / "printed")}
    settings = settings_with_printers(tmp_path, [pdf])
    cjk_font.cache_clear()
    alive = [[n] for n in range(5_000)]  # tracked objects start-up left behind
    frozen = gc.get_freeze_count()

    started(settings)

    assert cjk_font.cache_info().currsize == 1
    assert gc.get_freeze_count() >= frozen + len(alive)


@pytest.mark.usefixtures("collector_back")
def test_without_a_pdf_printer_the_label_font_is_not_loaded(tmp_path: Path) -> None:
    zpl = {"name": "z", "kind": "zpl-tcp", "host": "127.0.0.1:9100"}
    settings = settings_with_printers(tmp_path, [zpl])
    cjk_font.cache_clear()

    started(settings)

    assert cjk_font.cache_info().currsize == 0

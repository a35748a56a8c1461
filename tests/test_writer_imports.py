"""The writer process imports what a scan's write needs and not the rest of the edge: the
labels and their renderers (reportlab, PIL, python-barcode), the configuration's models and the
migrations' sqlite_utils stay in the server, which renders, prints and migrates (issue 23: the edge's memory with the writer process)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.store.database import Store
from edge.store.writer_process import ProcessWriter
from tests.writer_modules import loaded

# Loaded by the server only: a print, a close's documents, the settings' models, migrations,
# the event loop.
SERVER_ONLY = (
    "reportlab",
    "PIL",
    "barcode",
    "labels",
    "edge.config",
    "edge.service.documents",
    "sqlite_utils",
    "click",
    "pluggy",
    "dateutil",
    "asyncio",  # the child has no event loop; asyncio would bring ssl (~2.4 MB of its memory)
    "ssl",
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "edge.db", writer="process")
    yield s
    s.close()


def test_the_writer_process_has_the_scan_path_but_not_the_labels_or_the_settings(
    store: Store,
) -> None:
    modules = store.writer.submit_call(loaded).result()

    assert "edge.service.scans" in modules  # warmed: the scan's whole write path
    assert "edge.service.workflows" in modules
    heavy = [m for m in modules if m.split(".")[0] in SERVER_ONLY or m in SERVER_ONLY]
    heavy += [m for m in modules if any(m.startswith(s + ".") for s in SERVER_ONLY)]
    assert sorted(set(heavy)) == []


def resident_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def test_the_writer_process_gives_back_what_its_start_up_imports_freed(store: Store) -> None:
    """biip decompresses and parses its GS1 tables as the scan path is imported; the memory this
    frees goes back to the system (malloc_trim) instead of staying in the child's RSS (~7 MB)."""
    store.writer.submit_call(loaded).result()  # the child has started and warmed
    assert isinstance(store.writer, ProcessWriter)

    assert resident_mb(store.writer._proc.pid) < 42

"""The sync tests' real central, an edge synced to it (a module may define its own) and the fault
proxy between an edge and it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.store.database import Store
from tests.sync.central import Central, running_central
from tests.sync.faultproxy import FaultProxy
from tests.sync.running import synced_edge


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    with running_central(tmp_path / "central") as c:
        yield c


@pytest.fixture
def edge(tmp_path: Path, central: Central) -> Iterator[tuple[Store, Any]]:
    """An edge store with its agent running against `central`."""
    with synced_edge(tmp_path / "edge", central.url, central.edge_token) as found:
        yield found


@pytest.fixture
def proxy(central: Central) -> Iterator[FaultProxy]:
    """Between edge and central; a delayed request waits longer than the agent's timeout."""
    p = FaultProxy(central.port, delay_s=2.0).start()
    yield p
    p.stop()

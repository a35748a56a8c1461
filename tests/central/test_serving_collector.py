"""What `warehouse-central serve` does to the cyclic collector before it takes a request: a full
collection walking every long-lived object held the GIL 20–170 ms under a flash sale, every
request waiting (bench/README.md, "Session 31")."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from central_sync.server.central import Central
from central_sync.server.serving import serve


class Ready(Exception):
    """Raised from `on_ready`: the server is stopped before it runs."""


@pytest.fixture
def collector_back() -> Iterator[None]:
    """The test process's collector as it was: thawed, its thresholds restored."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("collector_back")
def test_central_serves_with_what_is_alive_at_start_frozen_and_fewer_collections(
    central: Central,
) -> None:
    alive = [[n] for n in range(5_000)]  # tracked objects start-up left behind
    frozen = gc.get_freeze_count()
    seen: dict[str, object] = {}

    def ready(url: str) -> None:
        seen["frozen"], seen["threshold"] = gc.get_freeze_count(), gc.get_threshold()
        raise Ready(url)

    with pytest.raises(Ready):
        serve(central, host="127.0.0.1", port=0, log_level="warning", on_ready=ready)

    assert isinstance(seen["frozen"], int) and seen["frozen"] >= frozen + len(alive)
    assert seen["threshold"] == (7000, 20, 20)

"""Central back after an outage: the queued events go up within seconds of its return, not at
the end of the agent's back-off (a probe or the feed's answer wakes the sender)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from edge.store.database import Store
from tests.sync.central import assert_in_step, running_central
from tests.sync.running import (
    AgentThread,
    adjustments,
    delivered,
    edge_settings,
    eventually,
    seed_floor,
)

pytestmark = pytest.mark.slow


def test_events_queued_while_central_was_down_go_up_within_5_s_of_its_return(
    tmp_path: Path,
) -> None:
    with running_central(tmp_path / "central") as central:
        settings = edge_settings(tmp_path, central.url, central.edge_token, long_poll_s=1)
        store = Store(settings.db_path, edge_id="edge-1")
        store.writer.call(seed_floor)
        # A first back-off of 10-20 s: without a wake-up the queue would wait at least that long.
        agent = AgentThread(store, settings, backoff_base_s=20.0, backoff_cap_s=30.0).start()
        try:
            eventually(lambda: delivered(store), timeout=20, what="the opening stock delivered")
            central.stop()
            adjustments(store, 3)
            eventually(
                lambda: (
                    store.read().execute("SELECT offline_since FROM sync_state").fetchone()[0]
                    or agent.agent
                    and agent.agent.link.offline_since
                ),
                timeout=20,
                what="the agent sees central gone",
            )
            time.sleep(1.0)  # both sides now sleep out their first back-off
            central.start()
            back = time.monotonic()
            eventually(lambda: delivered(store), timeout=30, what="the queue delivered")
            took = time.monotonic() - back
        finally:
            agent.stop()

        assert took < 5.0, f"the queue went up {took:.1f} s after central came back"
        assert_in_step(central, store)
        store.close()

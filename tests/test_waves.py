"""Waves by carrier cut-off on the real app and a real SQLite file: with waves on, a picker gets
only orders of a released wave; a supervisor releases one (audited, refused twice or when waves
are off), or the schedule does near its cut-off; an order not packed near its cut-off opens a
cutoff_at_risk exception that closes when the order leaves the floor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from edge.config import load_settings
from edge.config.keys import ConfigError
from edge.service.exceptions import sweep_once
from tests.support import Floor, scan_id

pytestmark = pytest.mark.usefixtures("ledger_verifies")
ONE = [{"sku": "SKU-1", "qty": 1}]


def hhmm(minutes_from_now: int) -> str:
    """A cut-off this many minutes ahead (edge.timezone is UTC in tests)."""
    return (datetime.now(UTC) + timedelta(minutes=minutes_from_now)).strftime("%H:%M")


def with_waves(f: Floor, **waves: Any) -> Any:
    """This edge with [waves] set (the app reads its settings per request)."""
    state = f.client.app.state  # type: ignore[attr-defined]
    changed = state.settings.waves.model_copy(update=waves)
    state.settings = state.settings.model_copy(update={"waves": changed})
    return state.settings


def place(f: Floor, carrier: str, lines: list[dict[str, Any]] = ONE, **extra: Any) -> str:
    body = {"channel": "shop", "channel_order_id": scan_id(), "lines": lines, "carrier": carrier}
    resp = f.client.post("/api/v1/orders", json=body | extra, headers=f.login("B-SUP"))
    assert resp.status_code == 201, resp.text
    return str(resp.json()["order_id"])


def waves(f: Floor) -> list[dict[str, Any]]:
    resp = f.client.get("/api/v1/waves", headers=f.login("B-SUP"))
    assert resp.status_code == 200, resp.text
    return list(resp.json()["waves"])


def pick_list_orders(f: Floor, headers: dict[str, str]) -> set[str]:
    resp = f.start(headers, "pick")
    assert resp.status_code == 200, resp.text
    list_id = resp.json()["state"]["list_id"]
    rows = f.store.read().execute(
        "SELECT order_id FROM pick_list_orders WHERE list_id = ?", (list_id,)
    )
    return {r[0] for r in rows}


def test_with_waves_on_a_picker_gets_only_the_orders_of_a_wave_a_supervisor_released(
    floor: Floor,
) -> None:
    with_waves(floor, enabled=True, cutoffs=f"Edge Post={hhmm(60)}, SF={hhmm(180)}")
    post = [place(floor, "Edge Post") for _ in range(2)]
    sf = place(floor, "SF")
    picker = floor.login("B-PICK")
    assert floor.start(picker, "pick").json()["code"] == "no_pick_list"

    listed = waves(floor)
    assert [(w["carrier"], w["orders"], w["released"]) for w in listed] == [
        ("Edge Post", 2, False),
        ("SF", 1, False),
    ]
    assert listed[0]["lateness"] == "ok" and 55 <= listed[0]["minutes_to_cutoff"] <= 60
    sf_wave = listed[1]["id"]

    sup = floor.login("B-SUP")
    resp = floor.client.post(f"/api/v1/waves/{sf_wave}/release", headers=sup)
    assert resp.status_code == 200, resp.text
    assert pick_list_orders(floor, picker) == {sf}  # the later cut-off, but the one released
    again = floor.client.post(f"/api/v1/waves/{sf_wave}/release", headers=sup)
    assert (again.status_code, again.json()["code"]) == (409, "wave_released")

    shown = {w["id"]: w for w in waves(floor)}[sf_wave]
    assert shown["released"] is True
    assert shown["release"]["how"] == "supervisor" and shown["release"]["by"] == "Supervisor"
    assert shown["by_status"]["released"] == 1  # on a list, not yet picked
    assert set(post).isdisjoint(pick_list_orders(floor, picker))


def test_a_picker_cannot_release_a_wave_and_an_unknown_wave_is_not_found(floor: Floor) -> None:
    with_waves(floor, enabled=True, cutoffs=f"Edge Post={hhmm(60)}")
    place(floor, "")  # no carrier named: the site's carrier ([carrier] name, Edge Post)
    wave_id = waves(floor)[0]["id"]
    resp = floor.client.post(f"/api/v1/waves/{wave_id}/release", headers=floor.login("B-PICK"))
    assert (resp.status_code, resp.json()["code"]) == (403, "not_authorized")
    sup = floor.login("B-SUP")
    resp = floor.client.post("/api/v1/waves/W-0000000000-ABCDEF/release", headers=sup)
    assert (resp.status_code, resp.json()["code"]) == (404, "not_found")
    assert floor.store.read().execute("SELECT COUNT(*) FROM waves").fetchone()[0] == 0


def test_with_waves_off_the_release_is_refused_and_picking_takes_orders_as_before(
    floor: Floor,
) -> None:
    with_waves(floor, cutoffs=f"Edge Post={hhmm(60)}")
    order = place(floor, "Edge Post")
    wave_id = waves(floor)[0]["id"]
    resp = floor.client.post(f"/api/v1/waves/{wave_id}/release", headers=floor.login("B-SUP"))
    assert (resp.status_code, resp.json()["code"]) == (409, "waves_off")
    assert pick_list_orders(floor, floor.login("B-PICK")) == {order}


def test_the_schedule_releases_a_wave_within_its_lead_time_and_no_other(floor: Floor) -> None:
    settings = with_waves(
        floor,
        enabled=True,
        release="schedule",
        lead_minutes=90,
        cutoffs=f"Edge Post={hhmm(60)}, SF={hhmm(240)}",
    )
    soon = place(floor, "Edge Post")
    place(floor, "SF")
    floor.store.writer.call(lambda tx: sweep_once(tx, settings))
    released = {w["carrier"]: w for w in waves(floor)}
    assert released["Edge Post"]["released"] and released["Edge Post"]["release"]["how"] == (
        "schedule"
    )
    assert released["SF"]["released"] is False
    assert pick_list_orders(floor, floor.login("B-PICK")) == {soon}


def test_an_order_not_packed_near_its_cutoff_opens_an_exception_that_closes_when_it_leaves(
    floor: Floor,
) -> None:
    settings = with_waves(floor, cutoffs=f"Edge Post={hhmm(10)}, SF={hhmm(240)}", warn_minutes=30)
    late = place(floor, "Edge Post")
    place(floor, "SF")  # hours left: no exception
    opened = floor.store.writer.call(lambda tx: sweep_once(tx, settings))["opened"]
    rows = floor.store.read().execute(
        "SELECT id, kind, order_id, status FROM exceptions WHERE kind = 'cutoff_at_risk'"
    )
    found = [tuple(r) for r in rows]
    assert [(k, o, s) for _, k, o, s in found] == [("cutoff_at_risk", late, "open")]
    assert found[0][0] in opened
    assert waves(floor)[0]["lateness"] == "at_risk"

    sup = floor.login("B-SUP")
    resp = floor.client.post(
        f"/api/v1/orders/{late}/cancel", json={"reason": "customer"}, headers=sup
    )
    assert resp.status_code == 200, resp.text
    cleared = floor.store.writer.call(lambda tx: sweep_once(tx, settings))["cleared"]
    assert cleared == [found[0][0]]


@pytest.mark.parametrize(
    ("key", "value"),
    [("cutoffs", "Edge Post=17:60"), ("cutoffs", "Edge Post"), ("group_by", "channel, zone")],
)
def test_a_bad_wave_setting_stops_start_up_naming_its_key(key: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env={f"WAREHOUSE_EDGE_WAVES_{key.upper()}": value})
    assert caught.value.key == f"waves.{key}"


def test_the_supervisors_board_shows_each_wave_with_orders_left_against_its_cutoff(
    floor: Floor,
) -> None:
    with_waves(floor, enabled=True, cutoffs=f"Edge Post={hhmm(10)}")
    order = place(floor, "Edge Post")
    board = floor.client.get("/api/v1/board", headers=floor.login("B-SUP")).json()
    assert [
        (w["carrier"], w["left_to_pack"], w["lateness"], w["released"]) for w in board["waves"]
    ] == [("Edge Post", 1, "at_risk", False)]
    sup = floor.login("B-SUP")
    floor.client.post(f"/api/v1/orders/{order}/cancel", json={"reason": "x"}, headers=sup)
    assert floor.client.get("/api/v1/board", headers=sup).json()["waves"] == []

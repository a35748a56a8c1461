"""Devices down and scales silent, over generated histories (issue 20 item 2): the sweep's pure
rules open one exception per bad spell of a device — a printer, scanner or scale offline or in
error for `notify.device_down_minutes`, a bench's scale with no reading while a parcel is packed
there — and close it when the spell ends; and the real edge's sweep does so for a scale on a
pseudo-terminal that goes quiet while a parcel is packed at its bench."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from edge.domain.exceptions import (
    DeviceReport,
    device_conditions,
    next_state,
    sweep,
    watch_devices,
)
from tests.scanner_harness import Pty
from tests.test_pack_scale import ScaleBench, packed_parcel, scale_app, until

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
DOWN_S, SILENT_S = 300, 120
PRINTER_STATES = ("ready", "offline", "paper_out")
SCALE_STATES = ("connected", "disconnected", "silent")

# One step: seconds that pass; the printer's state; the scale's state, whether a parcel is being
# packed at its bench, and seconds since its last reading (None: none yet).
steps = st.lists(
    st.tuples(
        st.integers(0, 400),
        st.sampled_from(PRINTER_STATES),
        st.sampled_from(SCALE_STATES),
        st.booleans(),
        st.none() | st.integers(0, 400),
    ),
    min_size=1,
    max_size=30,
)


def bad_key(r: DeviceReport) -> tuple[str, str] | None:
    """The model's own reading of a device's bad state (independent of the rule's helpers)."""
    if r.kind == "printer" and r.state != "ready":
        return ("device_down", r.state)
    if r.kind == "scale" and r.state == "disconnected":
        return ("device_down", r.state)
    if r.kind == "scale" and r.needed and r.state == "silent":
        return ("scale_silent", "silent")
    if r.kind == "scale" and not r.needed or r.state != "connected":
        return None
    if r.kind == "scale" and r.needed and r.silent_s is None:
        return ("scale_silent", "never_read")
    if r.kind == "scale" and r.needed and r.silent_s >= SILENT_S:
        return ("scale_silent", "silent")
    return None


@settings(max_examples=300, deadline=None)
@given(steps, st.sets(st.integers(1, 10)))
def test_a_device_has_one_active_exception_exactly_while_its_bad_spell_is_overdue(
    history: list[tuple[int, str, str, bool, int | None]], resolved_by_person: set[int]
) -> None:
    now, tracked, known = T0, {}, {}  # type: ignore[var-annotated]
    spells: dict[str, tuple[tuple[str, str], datetime]] = {}  # the model: device → bad, since
    opened_spells: list[tuple[str, tuple[str, str], datetime]] = []
    for n, (seconds, printer, scale, needed, silent) in enumerate(history):
        now += timedelta(seconds=seconds)
        reports = [
            DeviceReport("printer", "ZD-1", printer, "BENCH-1"),
            DeviceReport("scale", "SC-1", scale, "BENCH-1", silent, needed),
        ]
        for r in reports:
            bad = bad_key(r)
            if bad is None:
                spells.pop(r.name, None)
            elif spells.get(r.name, (None,))[0] != bad:
                spells[r.name] = (bad, now)
        for cause, (i, state) in list(known.items()):
            if i in resolved_by_person and n % 3 == 0 and state != "resolved":
                known[cause] = (i, next_state(i, state, "resolve"))

        tracked = watch_devices(tracked, reports, now, SILENT_S)
        plan = sweep(device_conditions(tracked, reports, DOWN_S, SILENT_S), known, now)

        for c in plan.opened:
            known[c.cause] = (len(known) + 1, "open")
            spell = (c.detail["device"], (c.kind, c.detail["state"]), c.since)
            assert spell not in opened_spells, "one exception per bad spell"
            opened_spells.append(spell)
        for i in plan.cleared:
            cause = next(c for c, (j, _s) in known.items() if j == i)
            known[cause] = (i, "resolved")
        overdue = {
            (name, bad, since)
            for name, (bad, since) in spells.items()
            if (now - since).total_seconds()
            >= (DOWN_S if bad[0] == "device_down" else SILENT_S if bad[1] == "never_read" else 0)
        }
        # every overdue spell has had its exception; none is active once its spell ended
        assert overdue <= set(opened_spells)
        active_spells = {s for s in opened_spells if known[_cause_of(s)][1] in ("open", "acked")}
        assert all(s[0] in spells and spells[s[0]] == (s[1], s[2]) for s in active_spells)


def _cause_of(spell: tuple[str, tuple[str, str], datetime]) -> str:
    name, (kind, state), since = spell
    device = f"{'printer' if name == 'ZD-1' else 'scale'}:{name}" if kind == "device_down" else name
    return f"{kind}:{device}:{state}:{since.isoformat()}"


def test_a_bench_scale_that_goes_quiet_while_a_parcel_is_packed_opens_one_exception_and_unplugged_it_closes(
    tmp_path: Path,
) -> None:
    pty = Pty()
    with scale_app(tmp_path, pty.path, silent_after_s=0.5) as (floor, _next_event):
        bench = ScaleBench(floor, pty)
        app = floor.client.app
        sweep_now = lambda: floor.client.portal.call(app.state.exception_watch._sweep)  # noqa: E731
        sup = floor.login("B-SUP")
        bench.weighs(b"ST,GS,+0000.360kg\r\n", grams=360, stable=True)
        until(bench.reading, lambda r: r["state"] == "silent")
        sweep_now()
        idle_bench = floor.client.get("/api/v1/exceptions", headers=sup).json()
        packed_parcel(bench)  # a parcel is being packed at BENCH-1 now
        sweep_now()
        sweep_now()  # a second sweep opens nothing more
        opened = floor.client.get("/api/v1/exceptions", headers=sup).json()
        pty.unplug()
        until(bench.reading, lambda r: r["state"] == "disconnected")
        sweep_now()
        after = floor.client.get("/api/v1/exceptions?state=all", headers=sup).json()

    assert idle_bench == []  # silent, but no parcel at the bench needs it
    assert [(e["kind"], e["location"], e["state"]) for e in opened] == [
        ("scale_silent", "BENCH-1", "open")
    ]
    assert "scale" in opened[0]["action"]
    # unplugged: no longer silent but down, which waits notify.device_down_minutes
    assert [(e["kind"], e["state"], e["resolve_reason"]) for e in after] == [
        ("scale_silent", "resolved", "cleared")
    ]

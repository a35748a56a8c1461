"""Scan-to-print (扫描即打单) without a tap: the scan that verifies a single-item order's one unit
at a bench also closes its parcel, in the site's single-item package, weighed by the bench's
scale where it has one (else at the catalogue's weight), and queues its waybill.

The scan commits first, as every scan does (the writer decides which bench gets which order, so
two benches scanning the same SKU at once get two orders); the close follows as the bench's own
close would, once per scan (its close_id is the scan's), so a retried scan never closes twice and
each order gets one label. A close refused (a weight off, no steady reading) leaves the bench
where a packer closes by hand, as today, and says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from edge.config import Settings
from edge.domain.errors import EdgeError
from edge.domain.weight import expected_weight_g
from edge.service import scans
from edge.service.floor import FloorSettings
from edge.service.packing import CloseAsk, Closed, PackBench, PackSettings, close_parcel
from edge.service.scans import ScanRequest
from edge.store import packing as store
from edge.store.database import Store
from edge.store.scan_answers import Answer


@dataclass(frozen=True)
class AutoClose:
    """[packing] single_item_auto_close as it stands with [waves], and the package to close in."""

    on: bool
    package: str

    @classmethod
    def of(cls, settings: Settings) -> AutoClose:
        mode = settings.packing.single_item_auto_close
        on = mode == "on" or (mode == "with_waves" and settings.waves.enabled)
        package = settings.packing.single_item_package or settings.pack_packages[0].code
        return cls(on, package)


@dataclass(frozen=True)
class Scanned:
    """The scan's answer (or, when it closed a parcel, the close's, under the scan's id) and the
    close when one ran."""

    answer: Answer
    closed: Closed | None = None


async def scan(
    st: Store,
    req: ScanRequest,
    floor: FloorSettings,
    *,
    auto: AutoClose,
    pack: PackSettings,
    bench: PackBench,
) -> Scanned:
    """One scan; where it left a single-item order's parcel ready at a bench, its close too."""
    answer = await scans.scan(st, req, floor)
    if not auto.on or not _one_unit_ready(answer.body):
        return Scanned(answer)
    view = answer.body["view"]
    ask = CloseAsk(f"{req.scan_id}:close", auto.package, **_weight(st, view, auto, pack, bench))
    try:
        closed = await close_parcel(st, pack, bench, req.session, ask)
    except EdgeError as err:  # refused before the write: nothing closed, the bench closes by hand
        return Scanned(_stopped(answer, err.code, dict(err.params)))
    body = closed.answer.body
    if not body.get("ok"):
        return Scanned(_stopped(answer, str(body.get("code")), dict(body.get("params") or {})))
    done = body | {"scan_id": req.scan_id, "auto_closed": True, "verified": answer.body["params"]}
    return Scanned(Answer(done, "", answer.replayed), closed)


def _one_unit_ready(body: dict[str, Any]) -> bool:
    """A pack scan that left the first parcel of a one-unit order ready to close."""
    view = body.get("view") or {}
    return bool(
        body.get("ok")
        and body.get("workflow") == "pack"
        and view.get("step") == "package"
        and view.get("parcel_no") == 1
        and not view.get("parcels")
        and sum(line["to_pack"] for line in view.get("lines", ())) == 1
        and view.get("in_parcel") == 1
    )


def _weight(
    st: Store, view: dict[str, Any], auto: AutoClose, pack: PackSettings, bench: PackBench
) -> dict[str, Any]:
    """The bench's scale where it has one (None: the close reads it); else the unit's catalogue
    weight and the package's tare."""
    if view.get("station") in bench.scales:
        return {"weight_g": None}
    sku = next(line["sku"] for line in view["lines"] if line["to_pack"])
    unit = store.unit_weights(st.read(), [sku]).get(sku, 0)
    tare = pack.rules.packages.get(auto.package, ("", 0))[1]
    return {"weight_g": expected_weight_g([(unit, 1)], tare), "weight_source": "catalogue"}


def _stopped(answer: Answer, code: str, params: dict[str, Any]) -> Answer:
    """The scan's answer (its unit verified, the parcel waiting for a close by hand) saying why
    it did not close by itself."""
    stop = {"ok": False, "code": code, "params": params}
    view = answer.body["view"] | {"auto_close": stop}  # the bench's screen says it did not close
    return Answer(answer.body | {"auto_close": stop, "view": view}, answer.code, answer.replayed)

"""The pack bench: close a parcel, reprint its waybill, the boxes on offer, the bench's scale."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StringConstraints

from edge.api.deps import ANY_OPERATOR, SettingsDep, StoreDep, allow, sources
from edge.api.errors import answer_response, request_language
from edge.api.events import FLOOR_CHANNEL
from edge.api.fields import ClientId, Code, Grams, Pieces, Word
from edge.domain.errors import EdgeError
from edge.domain.operator import MANAGERS, Role
from edge.service import packing
from edge.store import packing as packing_store
from edge.store.operators import LoginSession

router = APIRouter(prefix="/api/v1", tags=["packing"])
Packer = Annotated[LoginSession, allow(Role.PACKER, *MANAGERS, action="pack")]
Anyone = Annotated[LoginSession, allow(*ANY_OPERATOR, action="look_up_packing")]


class ApprovalIn(BaseModel):
    """A supervisor's badge and PIN, typed on the spot, and why the weight is not the scale's."""

    badge: Code
    pin: str = Field(min_length=1, max_length=32)
    reason: Annotated[str, StringConstraints(min_length=3, max_length=200)]


class CloseIn(BaseModel):
    close_id: ClientId
    package: str = Field(min_length=1, max_length=16)
    weight_g: Grams | None = Field(
        default=None, description="Typed weight; empty takes the bench's scale."
    )
    weight_source: Literal["typed", "scanned"] = Field(
        default="typed", description="How weight_g was entered: typed, or scanned (GS1 310n)."
    )
    approval: ApprovalIn | None = Field(
        default=None,
        description="A supervisor's confirmation of weight_g, where packing.typed_weight or a"
        " live scale asks for one.",
    )
    pieces: Pieces = Field(default=1, description="How many parcels the order fills.")


class ReprintIn(BaseModel):
    station: str | None = Field(default=None, max_length=32)


def _printer(settings: Any, station: str) -> Any:
    """The station's printer; for a handheld bound to no station, packing.handheld_printer or
    the only printer there is."""
    printers = settings.printers
    if not station:
        named = settings.packing.handheld_printer
        found = [p for p in printers if p.name == named] if named else list(printers)
        if len(found) == 1:
            return found[0]
        raise EdgeError("no_printer", station="-")
    found = next((p for p in printers if p.station == station), None)
    if found is None:
        raise EdgeError("no_printer", station=station)
    return found


@router.post("/pack/close")
async def close_parcel(
    body: CloseIn, request: Request, session: Packer, store: StoreDep, settings: SettingsDep
) -> JSONResponse:
    """Close the parcel being packed: tracking number first (once per order and parcel), then
    the parcel, `packed` and the waybill's print job in one commit; it prints after."""
    lang = request_language(request)
    asked = packing.Close(body.close_id, session, body.package, 0, body.pieces, "", None,
                          typed_weight=body.weight_g, weight_source=body.weight_source,
                          approval_badge=body.approval.badge if body.approval else "",
                          approval_reason=body.approval.reason if body.approval else "")  # fmt: skip
    prior = packing.replay_close(store.read(), asked)
    if prior is not None:  # a retry after a lost answer: the first answer, nothing new
        return answer_response(prior.body, lang, replayed=True)
    s, order = packing.parcel_to_close(store.read(), session)
    printer = _printer(settings, s.station)
    reader = request.app.state.scales.get(s.station) if s.station else None
    given = body.approval.model_dump() if body.approval else None
    weighed = await packing.weigh(store, settings, reader, s.station, typed_g=body.weight_g,
                                  source=body.weight_source, approval=given,
                                  throttle=request.app.state.login_throttle,
                                  sources=sources(request))  # fmt: skip
    weight = weighed.grams
    tracking = await request.app.state.carrier.tracking_number(
        order.order_id, s.parcel_no, {"weight_g": weight, "package": body.package}
    )
    req = replace(
        asked,
        weight_g=weight,
        weight_source=weighed.source,
        approved_by=weighed.approved_by,
        tracking_no=tracking,
        printer=printer.name,
        printer_format=printer.format,
        print_station=printer.station,
    )
    rules = packing.pack_rules(settings)
    answer = await store.writer.run(lambda tx: packing.close(tx, req, rules))
    request.app.state.spooler.notify()
    if answer.body.get("ok") and not answer.replayed:  # other screens of this order are stale now
        news = {"order_id": order.order_id, "device_id": session.device_id, "what": "parcel_closed"}
        request.app.state.broker.publish(FLOOR_CHANNEL, "order_changed", news)
    return answer_response(answer.body, lang, replayed=answer.replayed)


@router.post("/parcels/{parcel_id}/reprint", status_code=201)
async def reprint(
    parcel_id: Code, body: ReprintIn, request: Request, session: Packer, store: StoreDep,
    settings: SettingsDep,
) -> dict[str, Any]:  # fmt: skip
    """Print a closed parcel's waybill again, with the order's address as it is now."""
    station = body.station or packing.device_station(store.read(), session.device_id)
    printer = _printer(settings, station)
    rules = packing.pack_rules(settings)
    result = await store.writer.run(
        lambda tx: packing.reprint_waybill(
            tx, parcel_id, rules, printer.name, printer.format, station, by=session
        )  # fmt: skip
    )
    request.app.state.spooler.notify()
    return result


@router.get("/parcels/reprints")
async def reprints(_: Anyone, store: StoreDep) -> list[dict[str, Any]]:
    """Closed parcels whose waybill must be printed again (the address changed after printing)."""
    return packing_store.parcels_to_reprint(store.read())


@router.get("/pack/rules")
async def pack_rules(_: Anyone, settings: SettingsDep) -> dict[str, Any]:
    """The site's packing rules a pack screen follows: may a weight be typed or scanned
    (packing.typed_weight: allow, supervisor, never), does a parcel ship when it closes."""
    p = settings.packing
    return {"typed_weight": p.typed_weight, "ship_on_pack": p.ship_on_pack}


@router.get("/packages")
async def packages(_: Anyone, settings: SettingsDep) -> list[dict[str, Any]]:
    """The boxes and bags the benches pack into, with their empty weights."""
    return [p.model_dump() for p in settings.pack_packages]


@router.get("/stations/{station}/scale")
async def scale(station: Word, request: Request, _: Anyone) -> dict[str, Any]:
    """The bench scale's state and latest reading (stable or settling)."""
    reader = request.app.state.scales.get(station)
    if reader is None:
        raise EdgeError("not_found", what="scale", key=station)
    latest = reader.latest()
    reading = latest[0] if latest else None
    return {"station": station, "scale": reader.config.name, "state": reader.state.value,
            "reason": reader.reason, "grams": reading.grams if reading else None,
            "stable": reading.stable if reading else False}  # fmt: skip

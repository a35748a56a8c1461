"""The pack bench: close a parcel, reprint its waybill, the boxes on offer, the bench's scale."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from edge.api.deps import ANY_OPERATOR, SettingsDep, StoreDep, allow
from edge.api.errors import answer_response, request_language
from edge.domain.errors import EdgeError
from edge.domain.operator import MANAGERS, Role
from edge.service import packing
from edge.store import packing as packing_store
from edge.store.operators import LoginSession

router = APIRouter(prefix="/api/v1", tags=["packing"])
Packer = Annotated[LoginSession, allow(Role.PACKER, *MANAGERS, action="pack")]
Anyone = Annotated[LoginSession, allow(*ANY_OPERATOR, action="look_up_packing")]


class CloseIn(BaseModel):
    close_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    package: str = Field(min_length=1, max_length=16)
    weight_g: int | None = Field(
        default=None, ge=1, le=100_000, description="Typed weight; empty takes the bench's scale."
    )
    pieces: int = Field(default=1, ge=1, le=99, description="How many parcels the order fills.")


class ReprintIn(BaseModel):
    station: str | None = Field(default=None, max_length=32)


def _printer(settings: Any, station: str) -> Any:
    found = next((p for p in settings.printers if p.station == station), None)
    if found is None:
        raise EdgeError("no_printer", station=station or "-")
    return found


def _weight(request: Request, settings: Any, station: str, typed: int | None) -> int:
    if typed is not None:
        return typed
    reader = request.app.state.scales.get(station)
    if reader is None:
        raise EdgeError("weight_needed", station=station or "-")
    reading = reader.current(settings.packing.scale_max_age_s)
    if reading is None:
        raise EdgeError("no_weight", station=station or "-")
    return int(reading.grams)


@router.post("/pack/close")
async def close_parcel(
    body: CloseIn, request: Request, session: Packer, store: StoreDep, settings: SettingsDep
) -> JSONResponse:
    """Close the parcel being packed: tracking number first (once per order and parcel), then
    the parcel, `packed` and the waybill's print job in one commit; it prints after."""
    lang = request_language(request)
    asked = packing.Close(body.close_id, session, body.package, 0, body.pieces, "", None,
                          typed_weight=body.weight_g)  # fmt: skip
    prior = packing.replay_close(store.read(), asked)
    if prior is not None:  # a retry after a lost answer: the first answer, nothing new
        return answer_response(prior.body, lang, replayed=True)
    s, order = packing.parcel_to_close(store.read(), session)
    printer = _printer(settings, s.station)
    weight = _weight(request, settings, s.station, body.weight_g)
    tracking = await request.app.state.carrier.tracking_number(
        order.order_id, s.parcel_no, {"weight_g": weight, "package": body.package}
    )
    req = replace(
        asked,
        weight_g=weight,
        tracking_no=tracking,
        printer=printer.name,
        printer_format=printer.format,
    )
    rules = packing.pack_rules(settings)
    answer = await store.writer.run(lambda tx: packing.close(tx, req, rules))
    request.app.state.spooler.notify()
    return answer_response(answer.body, lang, replayed=answer.replayed)


@router.post("/parcels/{parcel_id}/reprint", status_code=201)
async def reprint(
    parcel_id: str, body: ReprintIn, request: Request, session: Packer, store: StoreDep,
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


@router.get("/packages")
async def packages(_: Anyone, settings: SettingsDep) -> list[dict[str, Any]]:
    """The boxes and bags the benches pack into, with their empty weights."""
    return [p.model_dump() for p in settings.pack_packages]


@router.get("/stations/{station}/scale")
async def scale(station: str, request: Request, _: Anyone) -> dict[str, Any]:
    """The bench scale's state and latest reading (stable or settling)."""
    reader = request.app.state.scales.get(station)
    if reader is None:
        raise EdgeError("not_found", what="scale", key=station)
    latest = reader.latest()
    reading = latest[0] if latest else None
    return {"station": station, "scale": reader.config.name, "state": reader.state.value,
            "reason": reader.reason, "grams": reading.grams if reading else None,
            "stable": reading.stable if reading else False}  # fmt: skip

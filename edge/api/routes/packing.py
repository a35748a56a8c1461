"""The pack bench: close a parcel, reprint its waybill, the boxes on offer, the bench's scale."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StringConstraints

from edge.api.deps import ANY_OPERATOR, SettingsDep, StoreDep, allow, sources
from edge.api.errors import answer_response, request_language
from edge.api.events import FLOOR_CHANNEL
from edge.api.fields import PRINTABLE, ClientId, Code, Grams, Pieces, Word
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
    package: Annotated[str, PRINTABLE] = Field(min_length=1, max_length=16)
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


def bench_of(request: Request) -> packing.PackBench:
    state = request.app.state
    return packing.PackBench(state.carrier, state.scales, state.spooler, state.login_throttle)


@router.post("/pack/close")
async def close_parcel(
    body: CloseIn, request: Request, session: Packer, store: StoreDep, settings: SettingsDep
) -> JSONResponse:
    """Close the parcel being packed: tracking number first (once per order and parcel), then
    the parcel, `packed` and the waybill's print job in one commit; it prints after."""
    given = body.approval
    ask = packing.CloseAsk(
        body.close_id,
        body.package,
        body.pieces,
        body.weight_g,
        body.weight_source,
        packing.Approval(given.badge, given.pin, given.reason) if given else None,
    )
    closed = await packing.close_parcel(
        store,
        packing.PackSettings.of(settings),
        bench_of(request),
        session,
        ask,
        sources=sources(request),
    )
    if closed.changed:  # other screens of this order are stale now
        news = {
            "order_id": closed.order_id,
            "device_id": session.device_id,
            "what": "parcel_closed",
        }
        request.app.state.broker.publish(FLOOR_CHANNEL, "order_changed", news)
    answer = closed.answer
    return answer_response(answer.body, request_language(request), replayed=answer.replayed)


@router.post("/parcels/{parcel_id}/reprint", status_code=201)
async def reprint(
    parcel_id: Code,
    body: ReprintIn,
    request: Request,
    session: Packer,
    store: StoreDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Print a closed parcel's waybill again, with the order's address as it is now."""
    ask = packing.ReprintAsk(parcel_id, body.station)
    return await packing.reprint_parcel(
        store, packing.PackSettings.of(settings), request.app.state.spooler, session, ask
    )


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
    return {
        "station": station,
        "scale": reader.config.name,
        "state": reader.state.value,
        "reason": reader.reason,
        "grams": reading.grams if reading else None,
        "stable": reading.stable if reading else False,
    }

"""Printers and print jobs: state, a station's jobs, reprint, and a test print."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request

from edge.api.deps import ANY_OPERATOR, StoreDep, allow
from edge.api.fields import Code, Int64Id, Word
from edge.domain.errors import EdgeError
from edge.domain.operator import MANAGERS, Role
from edge.service.documents import waybill_document
from edge.service.printing import queue_print, reprint_job
from edge.store import print_jobs
from edge.store.operators import LoginSession
from labels.samples import sample_waybill

router = APIRouter(prefix="/api/v1", tags=["printing"])
Anyone = Annotated[LoginSession, allow(*ANY_OPERATOR, action="look_up_printing")]
Printing = Annotated[LoginSession, allow(Role.PACKER, *MANAGERS, action="print")]


@router.get("/printers")
async def printers(request: Request, _: Anyone, store: StoreDep) -> list[dict[str, Any]]:
    """Each configured printer with its station, last known state and its jobs not yet printed
    (`waiting`; `needs_attention`: past their retry budget, printing once it is ready)."""
    return printer_states(request.app.state, store)


@router.get("/print-jobs/needs-attention")
async def needing_attention(_: Anyone, store: StoreDep) -> list[dict[str, Any]]:
    """Every print job past its retry budget that has not printed (it prints once its printer
    reports ready; a reprint replaces it)."""
    return [job.__dict__ for job in print_jobs.jobs_needing_attention(store.read())]


def printer_states(state: Any, store: Any, *, station: str | None = None) -> list[dict[str, Any]]:
    """The configured printers (of one station, or all) as /printers shows them."""
    spooler = state.spooler
    summary = print_jobs.queue_summary(store.read(), datetime.now(UTC))
    return [
        {
            "name": p.name,
            "kind": p.kind,
            "station": p.station,
            "format": p.format,
            "state": spooler.states.get(p.name, ("unknown", ""))[0],
            "reason": spooler.states.get(p.name, ("unknown", ""))[1],
            "waiting": int(summary.get(p.name, {}).get("waiting", 0)),
            "needs_attention": int(summary.get(p.name, {}).get("needs_attention", 0)),
        }
        for p in state.settings.printers
        if station is None or p.station == station
    ]


@router.get("/stations/{station}/print-jobs")
async def station_jobs(station: Word, _: Anyone, store: StoreDep) -> list[dict[str, Any]]:
    """A station's newest print jobs, failed ones with the printer's reason."""
    return [job.__dict__ for job in print_jobs.jobs_for_station(store.read(), station)]


@router.post("/print-jobs/{job_id}/reprint", status_code=201)
async def reprint(
    job_id: Int64Id, request: Request, _: Printing, store: StoreDep
) -> dict[str, Any]:
    """Print a job's document again (a new job)."""
    return {"job_id": await reprint_job(store, request.app.state.spooler, job_id)}


@router.post("/printers/{name}/test-print", status_code=201)
async def test_print(name: Code, request: Request, _: Printing, store: StoreDep) -> dict[str, Any]:
    """Queue the sample waybill (CJK recipient, both barcodes) on a printer, to check it."""
    printer = next((p for p in request.app.state.settings.printers if p.name == name), None)
    if printer is None:
        raise EdgeError("not_found", what="printer", key=name)
    document = waybill_document(sample_waybill())
    job_id = await queue_print(
        store,
        request.app.state.spooler,
        printer=name,
        station=printer.station,
        kind="waybill",
        format=printer.format,
        document=document,
    )
    return {"job_id": job_id}

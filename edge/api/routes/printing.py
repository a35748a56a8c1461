"""Printers and print jobs: state, a station's jobs, reprint, and a test print."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request

from edge.api.deps import ANY_OPERATOR, StoreDep, allow
from edge.domain.errors import EdgeError
from edge.domain.operator import MANAGERS, Role
from edge.service.documents import waybill_document
from edge.store import print_jobs
from edge.store.operators import LoginSession

router = APIRouter(prefix="/api/v1", tags=["printing"])
Anyone = Annotated[LoginSession, allow(*ANY_OPERATOR, action="look_up_printing")]
Printing = Annotated[LoginSession, allow(Role.PACKER, *MANAGERS, action="print")]


@router.get("/printers")
async def printers(request: Request, _: Anyone) -> list[dict[str, Any]]:
    """Each configured printer with its station and last known state."""
    spooler = request.app.state.spooler
    return [
        {"name": p.name, "kind": p.kind, "station": p.station, "format": p.format,
         "state": spooler.states.get(p.name, ("unknown", ""))[0],
         "reason": spooler.states.get(p.name, ("unknown", ""))[1]}
        for p in request.app.state.settings.printers
    ]  # fmt: skip


@router.get("/stations/{station}/print-jobs")
async def station_jobs(station: str, _: Anyone, store: StoreDep) -> list[dict[str, Any]]:
    """A station's newest print jobs, failed ones with the printer's reason."""
    return [job.__dict__ for job in print_jobs.jobs_for_station(store.read(), station)]


@router.post("/print-jobs/{job_id}/reprint", status_code=201)
async def reprint(job_id: int, request: Request, _: Printing, store: StoreDep) -> dict[str, Any]:
    """Print a job's document again (a new job)."""
    new_id = await store.writer.run(lambda tx: print_jobs.reprint(tx, job_id))
    request.app.state.spooler.notify()
    return {"job_id": new_id}


@router.post("/printers/{name}/test-print", status_code=201)
async def test_print(name: str, request: Request, _: Printing, store: StoreDep) -> dict[str, Any]:
    """Queue the sample waybill (CJK recipient, both barcodes) on a printer, to check it."""
    from edge.cli.labels_cmd import sample_waybill

    printer = next((p for p in request.app.state.settings.printers if p.name == name), None)
    if printer is None:
        raise EdgeError("not_found", what="printer", key=name)
    document = waybill_document(sample_waybill())
    job_id = await store.writer.run(
        lambda tx: print_jobs.queue_job(
            tx,
            printer=name,
            station=printer.station,
            kind="waybill",
            format=printer.format,
            document=document,
        )
    )
    request.app.state.spooler.notify()
    return {"job_id": job_id}

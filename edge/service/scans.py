"""A scan, start to finish, inside the writer: replay check → parse → classify → decide → apply →
answer stored. One command, one savepoint; a refusal rolls back alone and its answer is kept."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from edge.domain.classify import Classified, classify, with_typed_quantity
from edge.domain.errors import EdgeError
from edge.domain.scan import Scan, parse_scan
from edge.service.commands import refusal_body, run_once
from edge.service.floor import FloorSettings
from edge.service.workflows import WORKFLOWS, state_json
from edge.store.database import Store
from edge.store.directory import SqlDirectory
from edge.store.ledger import Actor, apply_decision
from edge.store.operators import LoginSession
from edge.store.scan_answers import Answer
from edge.store.work_sessions import open_work_session, save_state
from edge.store.writer import Tx

ScanSettings = FloorSettings  # the name the scan path has always used


@dataclass(frozen=True)
class ScanRequest:
    scan_id: str
    raw: str
    session: LoginSession
    quantity: int | None = None  # typed at a quantity prompt: units this item scan stands for
    reason: str | None = None  # with a command that takes one (CMD:DESTROY), as its parameter


def handle_scan(tx: Tx, req: ScanRequest, settings: FloorSettings) -> Answer:
    """Answer one scan exactly once: the same scan_id again gets the stored answer."""
    return run_once(
        tx,
        req.scan_id,
        kind="scan",
        request={
            "raw": req.raw,
            "device_id": req.session.device_id,
            "quantity": req.quantity,
            "reason": req.reason,
        },
        actor=(req.session.operator_id, req.session.device_id),
        decide=lambda: _decide_and_apply(tx, req, settings),
        refusal=lambda err: _refusal(tx, req, err, settings),
    )


def _decide_and_apply(tx: Tx, req: ScanRequest, settings: FloorSettings) -> dict[str, Any]:
    work = open_work_session(tx, req.session.token_hash)
    if work is None:
        raise EdgeError("no_work_session")
    scan = _parse(req.raw, settings)
    workflow = WORKFLOWS[work.workflow]
    try:
        classified = classify(scan, SqlDirectory(tx.conn), command_prefix=settings.command_prefix)
    except EdgeError as err:
        # A returns parcel's number may be one nothing here knows: the workflow looks it up.
        if err.code != "unknown_barcode" or not workflow.takes_any_code(work.state):
            raise
        classified = Classified("parcel", scan.code, scan)
    if req.quantity is not None:
        classified = with_typed_quantity(classified, req.quantity, allowed=settings.quantity_prompt)
    if req.reason and classified.kind == "command":
        classified = replace(classified, param=req.reason)
    decision = workflow.run(tx, work.state, classified, settings)
    actor = Actor(req.session.operator_id, req.session.device_id, req.scan_id)
    seqs = apply_decision(tx, decision, actor)
    new_state = state_json(decision.state)
    save_state(tx, work.id, new_state)
    view = workflow.view(tx, new_state)
    feedback = decision.feedback
    return {
        "scan_id": req.scan_id,
        "ok": True,
        "workflow": work.workflow,
        "kind": classified.kind,
        "key": str(classified.key),
        "parsed": scan.to_json(),
        "tone": feedback.tone if feedback else "info",
        "prompt": feedback.prompt if feedback else view["prompt"],
        "params": dict(feedback.params) if feedback else dict(view["prompt_params"]),
        "next": view["prompt"],
        "next_params": view["prompt_params"],
        "view": view,
        "state": new_state,
        "events": seqs,
    }


def _parse(raw: str, settings: FloorSettings) -> Scan:
    return parse_scan(
        raw, prefix=settings.prefix, suffix=settings.suffix, gs_substitutes=settings.gs_substitutes
    )


def _refusal(tx: Tx, req: ScanRequest, err: EdgeError, settings: FloorSettings) -> dict[str, Any]:
    body = refusal_body(req.scan_id, err)
    try:  # a scan refused after it was read still shows how it was read
        body["parsed"] = _parse(req.raw, settings).to_json()
    except EdgeError:
        pass
    work = open_work_session(tx, req.session.token_hash)
    if work is not None:
        view = WORKFLOWS[work.workflow].view(tx, work.state)
        body |= {
            "workflow": work.workflow,
            "state": work.state,
            "view": view,
            "next": view["prompt"],
            "next_params": view["prompt_params"],
        }
    return body


async def scan(store: Store, req: ScanRequest, settings: FloorSettings) -> Answer:
    """One scan, answered after its commit, once per scan_id."""
    return await store.writer.run_call(handle_scan, req, settings)

"""Starting and reading the task (work session) of a login session."""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.domain.errors import EdgeError
from edge.domain.operator import Role
from edge.service.floor import FloorSettings
from edge.service.workflows import WORKFLOWS
from edge.store.database import Store
from edge.store.operators import LoginSession
from edge.store.work_sessions import open_work_session, start_work_session
from edge.store.writer import Tx


def start_task(
    tx: Tx,
    session: LoginSession,
    name: str,
    params: dict[str, Any] | None = None,
    settings: FloorSettings | None = None,
) -> dict[str, Any]:
    """End the device's current task and start `name` (with its params, e.g. a pick list id)."""
    workflow = WORKFLOWS.get(name)
    if workflow is None:
        raise EdgeError("unknown_workflow", workflow=name, choices=", ".join(sorted(WORKFLOWS)))
    if Role(session.role) not in workflow.roles:
        allowed = [r.value for r in Role if r in workflow.roles]
        raise EdgeError("not_authorized", role=session.role, action="start_task", allowed=allowed)
    state = workflow.start(tx, session, params or {}, settings or FloorSettings())
    work = start_work_session(tx, session.token_hash, name, state)
    return task_body(tx, work.id, name, state)


def current_task(conn: sqlite3.Connection, session: LoginSession) -> dict[str, Any] | None:
    """The open task's body, or None when the session has none (a fresh login: normal)."""
    work = open_work_session(conn, session.token_hash)
    if work is None:
        return None
    return task_body(conn, work.id, work.workflow, work.state)


def task_body(conn: Any, work_id: int, name: str, state: dict[str, Any]) -> dict[str, Any]:
    view = WORKFLOWS[name].view(conn, state)
    return {
        "ok": True,
        "work_session_id": work_id,
        "workflow": name,
        "state": state,
        "view": view,
        "tone": "info",
        "prompt": view["prompt"],
        "params": view["prompt_params"],
        "next": view["prompt"],
        "next_params": view["prompt_params"],
    }


async def start(
    store: Store,
    session: LoginSession,
    name: str,
    params: dict[str, Any],
    settings: FloorSettings,
) -> dict[str, Any]:
    """Start the task `name` on the session's device, in one commit."""
    return await store.writer.run(lambda tx: start_task(tx, session, name, params, settings))

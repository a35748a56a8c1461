"""Starting and reading the task (work session) of a login session."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from edge.domain.errors import EdgeError
from edge.domain.operator import Role
from edge.service.workflows import WORKFLOWS
from edge.store.operators import LoginSession
from edge.store.work import start_work_session
from edge.store.writer import Tx


def start_task(tx: Tx, session: LoginSession, name: str) -> dict[str, Any]:
    workflow = WORKFLOWS.get(name)
    if workflow is None:
        raise EdgeError("unknown_workflow", workflow=name, choices=", ".join(sorted(WORKFLOWS)))
    if Role(session.role) not in workflow.roles:
        allowed = [r.value for r in Role if r in workflow.roles]
        raise EdgeError("not_authorized", role=session.role, action="start_task", allowed=allowed)
    state = workflow.initial()
    work = start_work_session(tx, session.token_hash, name, state)
    return _task_body(work.id, name, state)


def current_task(conn: sqlite3.Connection, session: LoginSession) -> dict[str, Any]:
    row = conn.execute(
        "SELECT id, workflow, state FROM work_sessions WHERE login_token_hash = ? AND ended_at IS NULL",
        (session.token_hash,),
    ).fetchone()
    if row is None:
        raise EdgeError("no_work_session")
    return _task_body(row["id"], row["workflow"], json.loads(row["state"]))


def _task_body(work_id: int, name: str, state: dict[str, Any]) -> dict[str, Any]:
    prompt = WORKFLOWS[name].prompt(state)
    return {"ok": True, "work_session_id": work_id, "workflow": name, "state": state,
            "tone": "info", "prompt": prompt, "params": state, "next": prompt}  # fmt: skip

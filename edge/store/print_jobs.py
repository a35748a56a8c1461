"""Print jobs: queued inside the transaction that needs a label, worked off by the spooler.

A job goes queued → sent → done, or → failed with the printer's reason. A failed job with a
`next_attempt_at` is retried then; one without has been given up and stays visible until a
person reprints it. Reprinting makes a new job with the same document, so the history of every
label that came out (or did not) is kept.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from edge.domain.errors import EdgeError
from edge.store.effects import utc
from edge.store.writer import Tx

FORMATS = ("pdf", "zpl")
_COLUMNS = (
    "id, printer, station, kind, format, document, order_id, parcel_id, status, attempts,"
    " last_error, reprint_of, created_at, updated_at, next_attempt_at"
)


@dataclass(frozen=True)
class PrintJob:
    """One stored print job; `document` is the rendering input (e.g. a waybill's fields)."""

    id: int
    printer: str
    station: str
    kind: str
    format: str
    document: dict[str, Any]
    order_id: str | None
    parcel_id: str | None
    status: str
    attempts: int
    last_error: str
    reprint_of: int | None
    created_at: str
    updated_at: str
    next_attempt_at: str | None


def queue_job(
    tx: Tx,
    *,
    printer: str,
    station: str,
    kind: str,
    format: str,
    document: dict[str, Any],
    order_id: str | None = None,
    parcel_id: str | None = None,
    reprint_of: int | None = None,
) -> int:
    """Queue a job in the caller's transaction (it prints only if that commits); returns its id."""
    if format not in FORMATS:
        raise ValueError(f"print job format must be one of {', '.join(FORMATS)}, not {format!r}")
    cur = tx.execute(
        "INSERT INTO print_jobs (printer, station, kind, format, document, order_id, parcel_id,"
        " reprint_of, created_at, updated_at, next_attempt_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
        " RETURNING id",
        (
            printer, station, kind, format, json.dumps(document, ensure_ascii=False, sort_keys=True),
            order_id, parcel_id, reprint_of, tx.at, tx.at, tx.at,
        ),
    )  # fmt: skip
    return int(cur.fetchone()[0])


def due_jobs(
    conn: sqlite3.Connection | Tx,
    now: datetime,
    limit: int = 50,
    *,
    printers: Collection[str] | None = None,
) -> list[PrintJob]:
    """Jobs to attempt now, oldest first, for `printers` (default all). A printer's jobs print in
    order: none is due while an earlier one of the same printer is being sent or awaits a retry."""
    at = utc(now)
    only, names = "", tuple(printers or ())
    if printers is not None:
        only = f" AND j.printer IN ({','.join('?' * len(names))})"
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM print_jobs AS j"
        f" WHERE j.next_attempt_at IS NOT NULL AND j.next_attempt_at <= ?{only}"
        " AND NOT EXISTS (SELECT 1 FROM print_jobs AS e WHERE e.printer = j.printer"
        "   AND e.id < j.id AND (e.status = 'sent' OR e.next_attempt_at > ?))"
        " ORDER BY j.id LIMIT ?",
        (at, *names, at, limit),
    ).fetchall()
    return [_job(row) for row in rows]


def next_due_at(conn: sqlite3.Connection | Tx) -> str | None:
    """When the earliest waiting job is due (UTC text), or None when nothing waits."""
    row = conn.execute("SELECT min(next_attempt_at) FROM print_jobs").fetchone()
    return row[0] if row else None


def get_job(conn: sqlite3.Connection | Tx, job_id: int) -> PrintJob:
    """One job; EdgeError not_found if there is none with that id."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM print_jobs WHERE id = ?", (job_id,)).fetchone()
    if row is None:
        raise EdgeError("not_found", what="print_job", key=str(job_id))
    return _job(row)


def mark_sent(tx: Tx, job_id: int) -> None:
    """The job goes to the printer now: one more attempt, no other attempt until it is told."""
    tx.execute(
        "UPDATE print_jobs SET status = 'sent', attempts = attempts + 1, updated_at = ?,"
        " next_attempt_at = NULL WHERE id = ?",
        (tx.at, job_id),
    )


def mark_done(tx: Tx, job_id: int) -> None:
    """The printer took the job; a waybill's parcel records when its label first printed, and
    a reprint asked for (after an address change) is done."""
    row = tx.execute(
        "UPDATE print_jobs SET status = 'done', last_error = '', updated_at = ?,"
        " next_attempt_at = NULL WHERE id = ? RETURNING kind, parcel_id",
        (tx.at, job_id),
    ).fetchone()
    if row is not None and row["kind"] == "waybill" and row["parcel_id"] is not None:
        tx.execute(
            "UPDATE parcels SET label_printed_at = coalesce(label_printed_at, ?),"
            " reprint_reason = NULL WHERE id = ?",
            (tx.at, row["parcel_id"]),
        )


def mark_failed(tx: Tx, job_id: int, reason: str, next_attempt_at: datetime | None) -> None:
    """The job did not print, for `reason`; retried at `next_attempt_at`, or never when None."""
    tx.execute(
        "UPDATE print_jobs SET status = 'failed', last_error = ?, updated_at = ?,"
        " next_attempt_at = ? WHERE id = ?",
        (reason, tx.at, None if next_attempt_at is None else utc(next_attempt_at), job_id),
    )


def give_up_interrupted(tx: Tx, reason: str) -> list[int]:
    """Jobs left `sent` by a stop mid-send may or may not have printed: fail them for good with
    `reason` (a person looks and reprints) rather than risk a second label. Returns their ids."""
    rows = tx.execute(
        "UPDATE print_jobs SET status = 'failed', last_error = ?, updated_at = ?,"
        " next_attempt_at = NULL WHERE status = 'sent' RETURNING id",
        (reason, tx.at),
    ).fetchall()
    return sorted(int(row[0]) for row in rows)


def give_up_unknown_printers(tx: Tx, known: Collection[str]) -> list[int]:
    """Waiting jobs for printers no longer configured can never print: fail them for good,
    naming the printer, so they show instead of waiting unseen. Returns their ids."""
    names = tuple(known)
    rows = tx.execute(
        "UPDATE print_jobs SET status = 'failed', updated_at = ?, next_attempt_at = NULL,"
        " last_error = 'printer ' || printer || ' is not configured; reprint on another'"
        f" WHERE next_attempt_at IS NOT NULL AND printer NOT IN ({','.join('?' * len(names))})"
        " RETURNING id",
        (tx.at, *names),
    ).fetchall()
    return sorted(int(row[0]) for row in rows)


def reprint(tx: Tx, job_id: int) -> int:
    """A new job with the same document for the same printer; returns its id."""
    job = get_job(tx, job_id)
    return queue_job(
        tx,
        printer=job.printer,
        station=job.station,
        kind=job.kind,
        format=job.format,
        document=job.document,
        order_id=job.order_id,
        parcel_id=job.parcel_id,
        reprint_of=job.id,
    )


def jobs_for_station(
    conn: sqlite3.Connection | Tx, station: str, limit: int = 20
) -> list[PrintJob]:
    """The station's latest jobs, newest first (the station screen shows the failed ones)."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM print_jobs WHERE station = ? ORDER BY id DESC LIMIT ?",
        (station, limit),
    ).fetchall()
    return [_job(row) for row in rows]


def _job(row: sqlite3.Row) -> PrintJob:
    values = dict(row)
    values["document"] = json.loads(values["document"])
    return PrintJob(**values)

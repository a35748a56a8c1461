"""Print jobs: queued inside the transaction that needs a label, worked off by the spooler.

A job goes queued → sent → done, or → failed with the printer's reason. A failed job with a
`next_attempt_at` is retried then. One whose retry budget is spent `needs_attention`: it is never
dropped, it waits (shown on the screens, counted in /metrics) for its next try at the longest
back-off, or until its printer reports ready and it is made due at once (`rearm_waiting`). A failed job with neither (a document that cannot render, a
send cut off by a stop) stays visible until a person reprints it. Reprinting makes a new job with
the same document, so the history of every label that came out (or did not) is kept; the job it
replaces, if still waiting, then waits no more (one label, not two).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from edge.domain.errors import EdgeError
from edge.store.ledger import utc
from edge.store.writer import Tx

FORMATS = ("pdf", "zpl")
_COLUMNS = (
    "id, printer, station, kind, format, document, order_id, parcel_id, status, attempts,"
    " last_error, reprint_of, created_at, updated_at, next_attempt_at, needs_attention"
)
# A job still to print: not yet tried, being sent, waiting for its retry or for its printer.
# `status <> 'done'` first, word for word the partial index print_jobs_open's, so it is used.
WAITING = (
    "status <> 'done' AND (status IN ('queued','sent')"
    " OR (status = 'failed' AND (next_attempt_at IS NOT NULL OR needs_attention = 1)))"
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
    needs_attention: bool = False  # the retry budget is spent: it prints when the printer is ready


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
            printer,
            station,
            kind,
            format,
            json.dumps(document, ensure_ascii=False, sort_keys=True),
            order_id,
            parcel_id,
            reprint_of,
            tx.at,
            tx.at,
            tx.at,
        ),
    )
    return int(cur.fetchone()[0])


def due_jobs(
    conn: sqlite3.Connection | Tx,
    now: datetime,
    limit: int = 50,
    *,
    printers: Collection[str] | None = None,
) -> list[PrintJob]:
    """Jobs to attempt now, oldest first, for `printers` (default all). A printer's jobs print in
    order: none is due while an earlier one of the same printer is being sent, awaits a retry or
    waits for its printer (needs attention)."""
    at = utc(now)
    only, names = "", tuple(printers or ())
    if printers is not None:
        only = f" AND j.printer IN ({','.join('?' * len(names))})"
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM print_jobs AS j"
        f" WHERE j.next_attempt_at IS NOT NULL AND j.next_attempt_at <= ?{only}"
        " AND NOT EXISTS (SELECT 1 FROM print_jobs AS e WHERE e.printer = j.printer"
        "   AND e.id < j.id AND (e.status = 'sent' OR e.next_attempt_at > ?"
        "   OR (e.needs_attention = 1 AND e.next_attempt_at IS NULL)))"
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
        " next_attempt_at = NULL, needs_attention = 0 WHERE id = ? RETURNING kind, parcel_id",
        (tx.at, job_id),
    ).fetchone()
    if row is not None and row["kind"] == "waybill" and row["parcel_id"] is not None:
        tx.execute(
            "UPDATE parcels SET label_printed_at = coalesce(label_printed_at, ?),"
            " reprint_reason = NULL WHERE id = ?",
            (tx.at, row["parcel_id"]),
        )


def mark_failed(
    tx: Tx,
    job_id: int,
    reason: str,
    next_attempt_at: datetime | None,
    *,
    needs_attention: bool = False,
) -> None:
    """The job did not print, for `reason`; retried at `next_attempt_at` (None: never, a person
    reprints it). `needs_attention`: its retry budget is spent (shown until it prints)."""
    tx.execute(
        "UPDATE print_jobs SET status = 'failed', last_error = ?, updated_at = ?,"
        " next_attempt_at = ?, needs_attention = ? WHERE id = ?",
        (
            reason,
            tx.at,
            None if next_attempt_at is None else utc(next_attempt_at),
            int(needs_attention),
            job_id,
        ),
    )


def rearm_waiting(tx: Tx, printer: str) -> list[int]:
    """The printer reports ready: its failed jobs still to print (waiting for a retry or needing
    attention) are due now rather than after their back-off. Returns their ids."""
    rows = tx.execute(
        f"UPDATE print_jobs SET next_attempt_at = ? WHERE printer = ? AND {WAITING}"
        " AND status = 'failed' RETURNING id",
        (tx.at, printer),
    ).fetchall()
    return sorted(int(row[0]) for row in rows)


def waiting_printers(conn: sqlite3.Connection | Tx) -> set[str]:
    """Printers with a failed job still to print: the spooler watches them closely."""
    rows = conn.execute(
        f"SELECT DISTINCT printer FROM print_jobs WHERE {WAITING} AND status = 'failed'"
    ).fetchall()
    return {row[0] for row in rows}


def queue_summary(conn: sqlite3.Connection | Tx, now: datetime) -> dict[str, dict[str, float]]:
    """Per printer with jobs still to print: how many (`waiting`), how many need attention, and
    the age in seconds of the oldest."""
    rows = conn.execute(
        "SELECT printer, count(*), sum(needs_attention), min(created_at) FROM print_jobs"
        f" WHERE {WAITING} GROUP BY printer"
    ).fetchall()
    at = utc(now)
    return {
        row[0]: {
            "waiting": row[1],
            "needs_attention": row[2] or 0,
            "oldest_age_s": max(0.0, _seconds_between(row[3], at)),
        }
        for row in rows
    }


def waiting_by_state(conn: sqlite3.Connection | Tx) -> dict[tuple[str, str], int]:
    """(printer, state) → jobs still to print, the state being queued, sent, retrying (failed,
    a next attempt set) or needs_attention (failed, retry budget spent)."""
    rows = conn.execute(
        "SELECT printer, CASE WHEN needs_attention = 1 THEN 'needs_attention'"
        " WHEN status = 'failed' THEN 'retrying' ELSE status END, count(*)"
        f" FROM print_jobs WHERE {WAITING} GROUP BY 1, 2"
    ).fetchall()
    return {(row[0], row[1]): row[2] for row in rows}


def jobs_needing_attention(conn: sqlite3.Connection | Tx, limit: int = 100) -> list[PrintJob]:
    """Every job whose retry budget is spent and that has not printed, oldest first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM print_jobs WHERE status <> 'done' AND needs_attention = 1"
        " ORDER BY id LIMIT ?",
        (limit,),
    ).fetchall()
    return [_job(row) for row in rows]


def _seconds_between(earlier: str, later: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


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
    """A new job with the same document for the same printer; returns its id. The job it copies,
    if it is still waiting to print, waits no more: one label comes out, not two."""
    job = get_job(tx, job_id)
    new_id = queue_job(
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
    tx.execute(
        "UPDATE print_jobs SET status = 'failed', last_error = ?, updated_at = ?,"
        f" next_attempt_at = NULL, needs_attention = 0 WHERE id = ? AND status <> 'sent'"
        f" AND {WAITING}",
        (f"replaced by reprint job {new_id}", tx.at, job_id),
    )
    return new_id


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
    values["needs_attention"] = bool(values["needs_attention"])
    return PrintJob(**values)

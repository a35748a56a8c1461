"""Stored answers: every scan's answer, refusals included, keyed by its client-made id."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

import orjson

from edge.store.writer import Tx

# Stored as json.dumps(body, default=str) wrote it, bar the spaces: datetimes and dataclasses still
# go through str(), keys that are not text become text. orjson: ~8× faster, on every scan.
_BODY = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def body_text(body: dict[str, Any]) -> str:
    """An answer's body as the answers table stores it (JSON)."""
    return orjson.dumps(body, default=str, option=_BODY).decode()


@dataclass(frozen=True)
class Answer:
    body: dict[str, Any]
    code: str = ""
    replayed: bool = False
    # The body as stored, once it has been (`body_text`).
    text: str | None = field(default=None, compare=False, repr=False)

    def stored(self) -> str:
        """The body as the answers table stores it: the text it was read from or made with,
        else made now."""
        return body_text(self.body) if self.text is None else self.text

    def __reduce__(self) -> tuple[Any, tuple[str, str, bool]]:
        """An answer crosses from the writer process as its stored text, and is read on the
        other side as a replay reads it (`find_answer`): the same body, and a JSON text
        pickles and parses in ~4 µs where the body's dicts took ~20."""
        return (_answer_of, (self.stored(), self.code, self.replayed))


def _answer_of(text: str, code: str, replayed: bool) -> Answer:
    return Answer(orjson.loads(text), code, replayed, text)


# json, not orjson: the digest of a scan retried across an upgrade must not change. The encoder
# json.dumps(payload, sort_keys=True) builds anew on every call, made once (the same text).
_DIGEST = json.JSONEncoder(sort_keys=True)


def request_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(_DIGEST.encode(payload).encode()).hexdigest()


def find_answer(tx: Tx | sqlite3.Connection, key: str) -> tuple[str, Answer] | None:
    """The stored (request hash, answer) for `key`, marked as a replay."""
    sql = "SELECT request_hash, body, code FROM answers WHERE key = ?"
    row = tx.execute(sql, (key,)).fetchone()
    if row is None:
        return None
    return row["request_hash"], _answer_of(row["body"], row["code"], True)


def record_answer(
    tx: Tx,
    key: str,
    *,
    kind: str,
    request_hash_: str,
    answer: Answer,
    operator_id: int | None,
    device_id: str | None,
) -> None:
    tx.execute(
        "INSERT INTO answers (key, kind, request_hash, body, code, operator_id, device_id, at)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (
            key,
            kind,
            request_hash_,
            answer.stored(),
            answer.code,
            operator_id,
            device_id,
            tx.at,
        ),
    )


def purge_answers(tx: Tx, *, before: str) -> int:
    """Forget answers older than the retention period; returns how many went."""
    return tx.execute("DELETE FROM answers WHERE at < ?", (before,)).rowcount

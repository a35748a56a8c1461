"""Idempotent commands: a client-made key, the first answer stored (refusals too), replayed after."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from edge.domain.errors import EdgeError
from edge.store.database import Store
from edge.store.scan_answers import (
    Answer,
    body_text,
    find_answer,
    purge_answers,
    record_answer,
    request_hash,
)
from edge.store.writer import Tx


def run_once(
    tx: Tx,
    key: str,
    *,
    kind: str,
    request: dict[str, Any],
    actor: tuple[int | None, str | None],
    decide: Callable[[], dict[str, Any]],
    refusal: Callable[[EdgeError], dict[str, Any]],
) -> Answer:
    """Run `decide` in its own savepoint unless `key` was answered before.

    The same key with a different request is refused (`scan_id_reused`) and nothing is stored.
    """
    digest = request_hash(request)
    prior = find_answer(tx, key)
    if prior is not None:
        if prior[0] != digest:
            raise EdgeError("scan_id_reused", scan_id=key)
        return prior[1]
    try:
        with tx.savepoint():
            body, code = decide(), ""
    except EdgeError as err:
        body, code = refusal(err), err.code
    answer = Answer(body, code, text=body_text(body))
    record_answer(
        tx,
        key,
        kind=kind,
        request_hash_=digest,
        answer=answer,
        operator_id=actor[0],
        device_id=actor[1],
    )
    return answer


def refusal_body(key: str, err: EdgeError) -> dict[str, Any]:
    return {"scan_id": key, "ok": False, "code": err.code, "params": dict(err.params)}


async def forget_answers(store: Store, *, before: str) -> int:
    """Forget stored answers older than `before` (UTC text); how many went."""
    return await store.writer.run(lambda tx: purge_answers(tx, before=before))

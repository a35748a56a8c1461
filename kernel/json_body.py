"""What a JSON request body must be before any route reads it, the same for the edge and central.

RFC 8259 JSON in UTF-8 and nothing looser: no NaN or Infinity, no lone surrogate (it cannot be
stored or sent back as UTF-8), no byte-order mark, nested less than 1000 deep (the standard library's
parser, which FastAPI uses, runs out of stack near there), and each object naming a key once (RFC
8259 says names SHOULD be unique; Python keeps the last of two, another reader the first, so
`{"qty": 1, "qty": 500}` means different things to different readers and is refused).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from kernel.messages import Message

JSON = "application/json"


def is_json(content_type: str | None) -> bool:
    """A body the routes read as JSON: no content type, application/json or any `+json`."""
    if content_type is None:
        return True
    kind = content_type.split(";")[0].strip().lower()
    return kind == JSON or (kind.startswith("application/") and kind.endswith("+json"))


def loads(body: bytes | str) -> Any:
    """`body` parsed as strict JSON (see the module's note); ValueError when it is not."""
    return orjson.loads(body)


class _Twice(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Twice(key)
            seen.add(key)
    return found


def refusal(body: bytes) -> Message | None:
    """None when `body` is strict JSON with no key twice in an object; else why not, in both
    languages (the `reason` of `invalid_request`)."""
    try:
        loads(body)
    except ValueError as exc:
        return Message(
            f"the body is not well-formed JSON ({exc}); send UTF-8 JSON without NaN, Infinity or"
            " lone surrogates, nested less than 1000 deep",
            f"请求体不是格式正确的 JSON（{exc}）；请发送 UTF-8 JSON，不含 NaN、Infinity 或"
            "孤立代理字符，嵌套少于 1000 层",
        )
    try:
        json.loads(body, object_pairs_hook=_once)
    except _Twice as twice:
        key = twice.key[:64]
        return Message(
            f"the key {key!r} appears twice in one object; send each key once",
            f"同一对象中键 {key!r} 出现了两次；每个键只能出现一次",
        )
    except RecursionError:
        return Message(
            "the body is nested too deep; send JSON nested less than 1000 deep",
            "请求体嵌套过深；JSON 嵌套请少于 1000 层",
        )
    return None

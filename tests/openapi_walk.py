"""A table-driven walk over an app's own OpenAPI document: every path, query and header parameter
and every field of every JSON body (one level into its lists and objects) receives the values a
careless or hostile client sends, one at a time into an otherwise plausible request, and every
JSON body is also sent as bytes no parser should take. `answers` yields what came back; the
test says what each answer must be (tests/test_openapi_fuzz.py).

The short table runs in CI; WAREHOUSE_FUZZ_FULL=1 sends the long one (a few more minutes).
"""

from __future__ import annotations

import copy
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

FULL = os.environ.get("WAREHOUSE_FUZZ_FULL") == "1"

# Into a JSON body field: numbers past int64, wrong types, texts no field should take.
BODY_VALUES: list[Any] = [2**63, -1, True, "1", None, 1.5, "A\x00B", "\u202eSKU-1", "X" * 300]
BODY_VALUES_FULL: list[Any] = [
    *BODY_VALUES,
    2**63 - 1,
    0,
    1e308,
    "",
    "Y" * 100_000,
    {},
    [],
    [[[[[]]]]],
    "\ud800",  # a lone surrogate: json.dumps escapes it, as a hostile client would
    float("nan"),  # json.dumps writes NaN, which is not JSON
    "\ufeffSKU\u200b-1\u2028",
]
# Into a path segment (already percent-encoded) and a query or header value.
PATH_VALUES = ["%00", "x" * 300, str(2**63), "-1", "%E2%80%AEx", "%FF%FE"]
PATH_VALUES_FULL = [*PATH_VALUES, "0", "true", "1.5", "..%2F..%2Fetc", "%07%1B", "%20", "0x10"]
QUERY_VALUES = [str(2**63), "-1", "true", "1.5", "A\x00B", "\u202ex", "x" * 300]
QUERY_VALUES_FULL = [*QUERY_VALUES, "0", "", "1e3", "Z" * 30_000]
# A whole JSON body no reader should take.
RAW_BODIES: dict[str, bytes] = {
    "empty": b"",
    "truncated": b'{"a": ',
    "nested 100000 deep": b"[" * 100_000 + b"]" * 100_000,
    "invalid UTF-8": b'{"a": "\xff\xfe"}',
    "an array": b"[1, 2]",
}
RAW_BODIES_FULL: dict[str, bytes] = RAW_BODIES | {
    "NaN": b'{"a": NaN}',
    "objects nested 5000 deep": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "a lone surrogate": b'{"a": "\\ud800"}',
    "null": b"null",
    "1 MiB": json.dumps({"a": "Z" * (1 << 20)}).encode(),
}
CONTENT_TYPES = ["text/plain"] + (["application/xml", "multipart/form-data; boundary=x"] * FULL)


@dataclass(frozen=True)
class Sent:
    """One request of the walk and its answer."""

    what: str
    status: int
    content_type: str
    code: str | None
    body: str
    seconds: float


def _resolve(doc: Mapping[str, Any], schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def plausible(
    doc: Mapping[str, Any], schema: Mapping[str, Any], name: str = "", depth: int = 0
) -> Any:
    """A value the schema takes, made from its defaults, enums and field names (an id made up)."""
    schema = _resolve(doc, schema)
    options = [o for o in schema.get("anyOf", []) if _resolve(doc, o).get("type") != "null"]
    if options or "allOf" in schema:
        return plausible(doc, (options or schema["allOf"])[0], name, depth + 1)
    if schema.get("default") is not None:
        return schema["default"]
    if "enum" in schema or "const" in schema:
        return schema.get("enum", [schema.get("const")])[0]
    kind = schema.get("type")
    if depth > 5:
        return None
    if kind == "object" or "properties" in schema:
        required = schema.get("required", [])
        props = schema.get("properties", {})
        return {k: plausible(doc, v, k, depth + 1) for k, v in props.items() if k in required}
    if kind == "array":
        return [plausible(doc, schema.get("items", {}), name, depth + 1)]
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    return _text(schema, name.lower())


def _text(schema: Mapping[str, Any], name: str) -> str:
    if schema.get("format") == "date-time":
        return "2026-12-03T10:00:00Z"
    if schema.get("format") == "date":
        return "2026-12-03"
    if "sku" in name:
        return "SKU-1"
    if "location" in name:
        return "A-01-01"
    if name.endswith("_id"):
        return uuid.uuid4().hex
    return "abcdefgh12"[: max(schema.get("minLength", 0), min(10, schema.get("maxLength", 10)))]


def field_paths(doc: Mapping[str, Any], schema: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """Each top-level field, and each field of a top-level list's item or object."""
    paths: list[tuple[Any, ...]] = []
    for key, sub in _resolve(doc, schema).get("properties", {}).items():
        paths.append((key,))
        sub = _resolve(doc, sub)
        inner = _resolve(doc, sub.get("items", {})) if sub.get("type") == "array" else sub
        prefix = (key, 0) if sub.get("type") == "array" else (key,)
        paths += [(*prefix, k) for k in inner.get("properties", {})]
    return paths


def replaced(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    """`body` with the field at `path` set to `value`; None when the body has no such place."""
    out = copy.deepcopy(body)
    here = out
    for step in path[:-1]:
        ok = isinstance(here, list) and here if isinstance(step, int) else isinstance(here, dict)
        if not ok or (not isinstance(step, int) and here.get(step) is None):
            return None
        here = here[step]
    if not isinstance(here, dict):
        return None
    here[path[-1]] = value
    return out


@dataclass(frozen=True)
class Operation:
    """One operation of the document, sent with its plausible body and its caller's headers."""

    client: httpx.Client
    method: str
    template: str
    body: Any
    headers: dict[str, str]
    sign: Callable[[str, bytes], dict[str, str]]

    def send(self, values: Mapping[str, str], what: str, **kw: Any) -> Sent:
        url = self.template
        for key, value in values.items():
            url = url.replace("{" + key + "}", value)
        if "content" not in kw and self.body is not None:
            kw["content"] = json.dumps(self.body).encode()
        signed = self.sign(self.template, kw.get("content", b""))
        headers = {"content-type": "application/json"} | self.headers | signed
        headers |= kw.pop("headers", {})
        if url.endswith("/changes"):  # the change feed's long poll: answer at once
            kw["params"] = [*kw.get("params", []), ("wait", "0")]
        start = time.monotonic()
        resp = self.client.request(self.method, url, headers=headers, **kw)
        took = time.monotonic() - start
        kind = resp.headers.get("content-type", "")
        code = resp.json().get("code") if kind.endswith("json") and resp.text[:1] == "{" else None
        what = f"{self.method} {self.template} {what}"
        return Sent(what, resp.status_code, kind, code, resp.text[:300], took)


def answers(
    client: httpx.Client,
    doc: Mapping[str, Any],
    *,
    headers_for: Callable[[str], dict[str, str]],
    path_values: Mapping[str, str],
    skip: Callable[[str], bool],
    sign: Callable[[str, bytes], dict[str, str]] = lambda _path, _body: {},
) -> Iterator[Sent]:
    """Send the table to every operation of `doc` (but those `skip` names); yield each answer."""
    for template, item in doc["paths"].items():
        if skip(template):
            continue
        for method, op in item.items():
            schema = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            body = plausible(doc, schema["schema"]) if schema else None
            sending = Operation(client, method.upper(), template, body, headers_for(template), sign)
            yield from _walk(sending, op.get("parameters", []), path_values, doc, schema)


def _walk(
    op: Operation,
    params: list[dict[str, Any]],
    path_values: Mapping[str, str],
    doc: Mapping[str, Any],
    schema: Mapping[str, Any],
) -> Iterator[Sent]:
    path_hostile = PATH_VALUES_FULL if FULL else PATH_VALUES
    query_hostile = QUERY_VALUES_FULL if FULL else QUERY_VALUES
    named = {p["name"]: path_values.get(p["name"], "1") for p in params if p["in"] == "path"}
    yield op.send(named, "as is")
    for p in params:
        for value in path_hostile if p["in"] == "path" else query_hostile:
            what = f"{p['in']} {p['name']}={value[:20]!r}"
            if p["in"] == "path":
                yield op.send(named | {p["name"]: value}, what)
            elif p["in"] == "query":
                yield op.send(named, what, params=[(p["name"], value)])
            elif value.isascii() and value.isprintable():  # a header takes only these
                yield op.send(named, what, headers={p["name"]: value})
    yield op.send(named, "query 60k", params=[("q", "q" * 60_000)])
    if op.body is None:
        return
    for path in field_paths(doc, schema["schema"]):
        for value in BODY_VALUES_FULL if FULL else BODY_VALUES:
            changed = replaced(op.body, path, value)
            if changed is not None:
                what = f"{'.'.join(map(str, path))}={value!r:.20}"
                yield op.send(named, what, content=json.dumps(changed).encode())
    for name, raw in (RAW_BODIES_FULL if FULL else RAW_BODIES).items():
        yield op.send(named, f"body {name}", content=raw)
    for kind in CONTENT_TYPES:
        yield op.send(named, f"as {kind}", headers={"content-type": kind})


def unbounded(doc: Mapping[str, Any]) -> list[str]:
    """Every input of `doc` without a bound: a text without maxLength (nor an enum, a pattern or
    a date), a number without a minimum and a maximum, a list without maxItems."""
    found: list[str] = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for p in op.get("parameters", []):
                _bounds(doc, p.get("schema", {}), f"{method.upper()} {path} {p['name']}", found)
            for kind, content in op.get("requestBody", {}).get("content", {}).items():
                if "json" in kind:
                    _bounds(doc, content.get("schema", {}), f"{method.upper()} {path} body", found)
    return found


def _bounds(
    doc: Mapping[str, Any], schema: Mapping[str, Any], where: str, found: list[str]
) -> None:
    schema = _resolve(doc, schema)
    for option in [*schema.get("anyOf", []), *schema.get("allOf", [])]:
        _bounds(doc, option, where, found)
    kind = schema.get("type")
    bounded_text = {"maxLength", "enum", "const", "pattern"} & set(schema)
    if kind == "string" and not bounded_text and schema.get("format") not in ("date", "date-time"):
        found.append(f"{where}: a text without maxLength")
    if kind in ("integer", "number") and not (
        {"minimum", "exclusiveMinimum"} & set(schema)
        and {"maximum", "exclusiveMaximum"} & set(schema)
    ):
        found.append(f"{where}: a number without a range")
    if kind == "array":
        if "maxItems" not in schema:
            found.append(f"{where}: a list without maxItems")
        _bounds(doc, schema.get("items", {}), f"{where}[]", found)
    for key, sub in schema.get("properties", {}).items():
        _bounds(doc, sub, f"{where}.{key}", found)
    if isinstance(schema.get("additionalProperties"), dict):
        _bounds(doc, schema["additionalProperties"], f"{where}{{}}", found)

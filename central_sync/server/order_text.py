"""What a channel's order may hold as text, with the edge's rules (kernel/text.py): a code (the
order id, a SKU, a lot, a carrier) only printable characters, the customer's reference no
control or invisible character, the ship-to's fields no control or invisible character but line
breaks. Central refuses such an order alone, naming the field in English and Chinese (the other
orders of a batch are taken): a right-to-left override in an address prints a label that says
something else, a control byte in a SKU never matches the catalogue. The buyer's and the
seller's notes, free text nobody keys anything on, are kept: cleaned of those characters and cut
to NOTE_MAX. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel.messages import Message
from kernel.text import char_name, clean_note, offending

NOTE_MAX = 1000  # OrderIn's buyer_note and seller_note
ORDER_TEXTS = {
    **dict.fromkeys(["channel_order_id", "carrier", "service", "currency", "total"], "code"),
    "customer_ref": "name",
}
LINE_TEXTS = {"sku": "code", "lot": "code"}
NOTES = ("buyer_note", "seller_note")
ID_SHOWN = 64  # characters of a bad order id an answer or a log line repeats


def refusal(raw: Mapping[str, Any]) -> tuple[str, Message] | None:
    """The first text field of the order `raw` that a channel may not send, and why."""
    texts = [(k, kind, raw.get(k)) for k, kind in ORDER_TEXTS.items()]
    ship_to = raw.get("ship_to")
    if isinstance(ship_to, Mapping):
        texts += [(f"ship_to.{k}", "note", v) for k, v in ship_to.items()]
    lines = raw.get("lines")
    for n, line in enumerate(lines if isinstance(lines, list) else []):
        if isinstance(line, Mapping):
            texts += [(f"lines[{n}].{k}", kind, line.get(k)) for k, kind in LINE_TEXTS.items()]
    for field, kind, value in texts:
        if isinstance(value, str) and (ch := offending(value, kind)) is not None:
            return field, _invisible(ch)
    return None


def _invisible(ch: str) -> Message:
    return Message(
        f"holds {char_name(ch)}, a control or invisible character: correct it on the channel"
        " and send the order again",
        f"含有 {char_name(ch)}，这是控制字符或不可见字符：请在渠道上改正后重新发送该订单",
    )


def cleaned(raw: dict[str, Any]) -> dict[str, Any]:
    """`raw` with its notes cleaned and cut (a copy when anything changed)."""
    notes = {k: raw[k] for k in NOTES if isinstance(raw.get(k), str)}
    kept = {k: clean_note(v, NOTE_MAX) for k, v in notes.items()}
    return raw if kept == notes else raw | kept


def shown_id(value: Any) -> str:
    """An order id as an answer or a log line may repeat it: invisible characters escaped, cut."""
    text = value if isinstance(value, str) else ""
    if not text.isprintable():
        text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= ID_SHOWN else text[: ID_SHOWN - 1] + "…"


def in_chinese(error: Mapping[str, Any]) -> str:
    """A pydantic error on a channel's order (its `type`, `ctx`, `msg`) said in Chinese."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "string_too_long":
        why = f"超过该字段允许的 {ctx.get('max_length', '?')} 个字符"
    elif kind in ("missing", "string_too_short", "too_short"):
        why = "缺少该字段或为空"
    else:
        why = f"字段值无效（{error.get('msg', '')}）"
    return f"{why}：请在渠道上改正后重新发送该订单"

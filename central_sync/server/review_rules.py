"""Order review (待审核) rules: which new orders a person must look at before central releases
them. Pure: the rules document, its checks and the reasons they give, in both languages.

An order is held for review when any enabled rule finds something:

- `address`: a ship-to lacking a required field, an address line shorter than `min_length`, one
  character repeated `max_repeat` times in a row ("aaaaa"), or a keyword of `keywords` ("test",
  "PO Box", "测试") in the name or address (ASCII keywords as whole words, case-insensitive);
- `duplicate_window_minutes`: the same ship-to (name, phone, address) and the same lines as an
  order taken within the window (another channel order id: the same id is a duplicate refused);
- `high_value`: a total over `over` in `currency` (the channel's own rule, else `*`'s);
- `blocked`: the customer (`customer_ref`), phone or address (a part of it) on the block list.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kernel.fields import ONE_LINE, TEXT
from kernel.messages import Message

Text = Message
FIELDS = ("name", "phone", "country", "province", "city", "district", "address", "postcode")
CHANNEL = r"^(\*|[A-Za-z0-9_.-]{1,32})$"


class AddressRule(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    required: list[Literal[FIELDS]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["name", "phone", "address"], max_length=len(FIELDS)
    )
    min_length: int = Field(default=6, ge=0, le=200)  # of the address line; 0: off
    max_repeat: int = Field(default=5, ge=0, le=100)  # one character this often in a row; 0: off
    keywords: list[str] = Field(
        default_factory=lambda: ["test", "测试", "PO Box", "P.O. Box", "邮政信箱"], max_length=200
    )

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: list[str]) -> list[str]:
        out = []
        for word in value:
            word = word.strip()
            if not 1 <= len(word) <= 64:
                raise ValueError("each keyword must be 1-64 characters")
            out.append(word)
        return out


class HighValue(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    channel: str = Field(default="*", pattern=CHANNEL)
    currency: str = Field(min_length=3, max_length=8, pattern=r"^[A-Za-z]{3,8}$")
    # "5000" or 5000 (a text keeps its decimals exact); never a boolean
    over: Decimal = Field(gt=0, le=Decimal("1e12"), allow_inf_nan=False, strict=False)

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class Block(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    kind: Literal["customer", "phone", "address"]
    value: Annotated[str, ONE_LINE] = Field(min_length=1, max_length=200)
    note: Annotated[str, TEXT] = Field(default="", max_length=200)


class Rules(BaseModel):
    """The whole document (`GET/PUT /api/v1/review-rules`)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    enabled: bool = False
    address: AddressRule = Field(default_factory=AddressRule)
    duplicate_window_minutes: int = Field(default=60, ge=0, le=10_080)  # 0: off; at most 7 days
    high_value: list[HighValue] = Field(default_factory=list, max_length=100)
    blocked: list[Block] = Field(default_factory=list, max_length=1000)
    alert_after_minutes: int = Field(default=120, ge=1, le=43_200)  # waiting longer: exception

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class RulesRefused:
    """Why a rules document is refused: the first bad field and what is wrong with it."""

    field: str
    reason: str


def parse_rules(raw: Any) -> Rules | RulesRefused:
    try:
        return Rules.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "rules"
        return RulesRefused(where, first["msg"])


# Each reason's sentence in both languages; the params are the reason's own.
REASONS: dict[str, Text] = {
    "address_incomplete": Text("the ship-to has no {fields}", "收货信息缺少{fields_zh}"),
    "address_short": Text(
        "the address '{address}' is shorter than {min_length} characters",
        "地址“{address}”少于 {min_length} 个字",
    ),
    "address_repeated": Text(
        "the address repeats '{char}' {times} times in a row", "地址中“{char}”连续重复 {times} 次"
    ),
    "address_keyword": Text("the ship-to contains '{keyword}'", "收货信息含有“{keyword}”"),
    "duplicate": Text(
        "the same ship-to and lines as order {other}, taken within {minutes} minutes",
        "与 {minutes} 分钟内的订单 {other} 收货信息和商品相同",
    ),
    "high_value": Text(
        "the total {total} {currency} is over {over} {currency}",
        "订单金额 {total} {currency} 超过 {over} {currency}",
    ),
    "blocked": Text(
        "the {kind} '{value}' is on the block list{why}", "{kind_zh}“{value}”在黑名单中{why_zh}"
    ),
}
FIELDS_ZH = {
    "name": "收件人",
    "phone": "电话",
    "country": "国家",
    "province": "省份",
    "city": "城市",
    "district": "区县",
    "address": "详细地址",
    "postcode": "邮编",
}
KINDS_ZH = {"customer": "客户", "phone": "电话", "address": "地址"}


def reason(code: str, **params: Any) -> dict[str, Any]:
    return {"code": code, "params": params}


def sentence(found: Mapping[str, Any], lang: str) -> str:
    """One reason in `lang` (en or zh)."""
    text = REASONS[found["code"]]
    params = dict(found["params"])
    if found["code"] == "address_incomplete":
        params["fields_zh"] = "、".join(FIELDS_ZH.get(f, f) for f in params["fields"])
        params["fields"] = " or ".join(params["fields"])
    if found["code"] == "blocked":
        params["kind_zh"] = KINDS_ZH.get(params["kind"], params["kind"])
        params["why"] = f" ({params['note']})" if params.get("note") else ""
        params["why_zh"] = f"（{params['note']}）" if params.get("note") else ""
    return (text.zh if lang == "zh" else text.en).format(**params)


HELD = "held for review: "


def hold_text(found: Sequence[Mapping[str, Any]], order_id: str, lang: str = "en") -> str:
    """The order's hold reason as the board shows it."""
    said = "; ".join(sentence(r, lang) for r in found)
    if lang == "zh":
        return f"待审核：{said}。请主管在看板上放行或取消。"
    return (
        f"{HELD}{said}; a supervisor releases or cancels it on the board"
        f" (POST /api/v1/orders/{order_id}/review/release or /cancel)"
    )


def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _has_word(text: str, keyword: str) -> bool:
    word = _plain(keyword)
    if word.isascii():  # whole words: "test" is not found in "Contest Road"
        return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text) is not None
    return word in text


def fingerprint(ship_to: Mapping[str, str], lines: Sequence[tuple[str, int]]) -> str:
    """The same buyer at the same address ordering the same: one fingerprint."""
    who = [_plain(str(ship_to.get(k, ""))) for k in FIELDS]
    what = sorted((sku, int(qty)) for sku, qty in lines)
    return hashlib.sha256(json.dumps([who, what], ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Candidate:
    """What the rules look at in a new order."""

    channel: str
    ship_to: Mapping[str, str]
    customer_ref: str
    currency: str
    total: str | None


def check(
    order: Candidate,
    rules: Rules,
    duplicate_of: str | None = None,
    blocks: BlockList | None = None,
) -> list[dict[str, Any]]:
    """Every reason the rules find to hold the order ([] when it may go on); `duplicate_of` is
    an order with its fingerprint taken within the window (the caller looks it up); `blocks` the
    rules' block list made ready (`BlockList.of`, once for many orders)."""
    if not rules.enabled:
        return []
    found = _address(order.ship_to, rules.address)
    if duplicate_of and rules.duplicate_window_minutes:
        found.append(
            reason("duplicate", other=duplicate_of, minutes=rules.duplicate_window_minutes)
        )
    found += _high_value(order, rules.high_value)
    found += _blocked(order, blocks or BlockList.of(rules.blocked))
    return found


def _address(ship_to: Mapping[str, str], rule: AddressRule) -> list[dict[str, Any]]:
    found = []
    missing = [f for f in rule.required if not str(ship_to.get(f, "")).strip()]
    if missing:
        found.append(reason("address_incomplete", fields=missing))
    line = " ".join(str(ship_to.get("address", "")).split())
    if line and rule.min_length and len(line) < rule.min_length:
        found.append(reason("address_short", address=line, min_length=rule.min_length))
    if rule.max_repeat > 1 and (run := re.search(rf"(\S)\1{{{rule.max_repeat - 1},}}", line)):
        found.append(reason("address_repeated", char=run[1], times=len(run[0])))
    text = _plain(" ".join(str(ship_to.get(k, "")) for k in ("name", "address", "city")))
    for keyword in rule.keywords:
        if _has_word(text, keyword):
            found.append(reason("address_keyword", keyword=keyword))
            break
    return found


def _high_value(order: Candidate, rules: Sequence[HighValue]) -> list[dict[str, Any]]:
    if order.total is None:
        return []
    try:
        total = Decimal(order.total)
    except InvalidOperation:
        return []
    currency = order.currency.upper()
    own = [r for r in rules if r.channel == order.channel and r.currency == currency]
    rule = next(
        iter(own or [r for r in rules if r.channel == "*" and r.currency == currency]), None
    )
    if rule is None or not total > rule.over:
        return []
    return [reason("high_value", total=order.total, currency=currency, over=str(rule.over))]


@dataclass(frozen=True)
class BlockList:
    """The block list made ready once per rules document: each order is then a few set look-ups
    and one pass over the address parts, whatever the list's length."""

    customers: Mapping[str, Block]
    phones: Mapping[str, Block]
    addresses: tuple[tuple[str, Block], ...]

    @classmethod
    def of(cls, blocks: Sequence[Block]) -> BlockList:
        customers: dict[str, Block] = {}
        phones: dict[str, Block] = {}
        addresses = []
        for block in blocks:
            if block.kind == "customer":
                customers.setdefault(_plain(block.value), block)
            elif block.kind == "phone":
                if digits := _digits(block.value):
                    phones.setdefault(digits, block)
            else:
                addresses.append((_plain(block.value), block))
        return cls(customers, phones, tuple(addresses))


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _blocked(order: Candidate, blocks: BlockList) -> list[dict[str, Any]]:
    ship_to = order.ship_to
    where = _plain(
        " ".join(str(ship_to.get(k, "")) for k in ("province", "city", "district", "address"))
    )
    hits = [
        blocks.customers.get(_plain(order.customer_ref)) if order.customer_ref else None,
        blocks.phones.get(_digits(str(ship_to.get("phone", "")))),
        *(block for value, block in blocks.addresses if value in where),
    ]
    return [
        reason("blocked", kind=b.kind, value=b.value, note=b.note) for b in hits if b is not None
    ]

"""What a scan is here: a location, a product, a container, an order, a parcel, an RMA, a badge or
a command. Pure: the edge's data is reached through the `Directory` protocol the store implements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, replace
from datetime import date
from typing import Literal, Protocol

from edge.domain.errors import EdgeError
from edge.domain.scan import Scan

COMMANDS = (
    "CONFIRM",
    "CANCEL",
    "SHORT",
    "NEXT",
    "DONE",
    "LOGOUT",
    # the returns desk: the grades, and a parcel from an unknown sender
    "RESELLABLE",
    "DAMAGED",
    "DESTROY",
    "UNKNOWN",
    # the dock: what to do with a discrepancy
    "ACCEPT",
    "REJECT",
    "QUARANTINE",
)
ClassifiedKind = Literal[
    "location", "product", "container", "order", "parcel", "rma", "badge", "command"
]


@dataclass(frozen=True)
class ProductHit:
    """A product barcode: the SKU it belongs to and how many units one scan of it is."""

    sku: str
    pack_qty: int
    barcode: str


@dataclass(frozen=True)
class ContainerHit:
    """A tote, parcel or pallet, found by its code or its SSCC."""

    code: str
    type: str


class Directory(Protocol):
    """The lookups classification needs; `code` is a GTIN-14 for GTINs, else the raw code."""

    def product_by_barcode(self, code: str) -> ProductHit | None: ...
    def location(self, code: str) -> str | None: ...
    def container(self, code: str) -> ContainerHit | None: ...
    def order(self, code: str) -> str | None: ...
    def parcel_by_tracking(self, code: str) -> str | None: ...
    def rma(self, code: str) -> str | None: ...
    def operator_by_badge(self, code: str) -> int | None: ...


@dataclass(frozen=True)
class Classified:
    """A scan with its meaning: `key` is the SKU, location, container, order id, parcel id,
    RMA, operator id (as text) or command name, depending on `kind`."""

    kind: ClassifiedKind
    key: str
    scan: Scan
    _: KW_ONLY
    quantity: int | None = None
    lot: str | None = None
    expiry: date | None = None
    serial: str | None = None
    container_type: str | None = None
    operator_id: int | None = None
    param: str | None = None  # a command's parameter: `CMD:DESTROY:expired` → "expired"


def classify(scan: Scan, directory: Directory, *, command_prefix: str = "CMD:") -> Classified:
    """Find what `scan` names, in a fixed order; refuse with unknown_barcode or bad_check_digit."""
    found = (
        _command(scan, command_prefix)
        or _by_gs1_keys(scan, directory)
        or _by_raw_code(scan, directory)
    )
    if found is not None:
        return found
    if scan.check_digit_error is not None:
        raise EdgeError("bad_check_digit", code=scan.code, expected=scan.check_digit_error)
    raise EdgeError("unknown_barcode", code=scan.display)


def _command(scan: Scan, command_prefix: str) -> Classified | None:
    if not command_prefix or not scan.code.startswith(command_prefix):
        return None
    name, _, param = scan.code.removeprefix(command_prefix).partition(":")
    name = name.strip().upper()
    if name not in COMMANDS:
        return None
    return Classified("command", name, scan, param=param.strip() or None)


def _by_gs1_keys(scan: Scan, directory: Directory) -> Classified | None:
    """SSCC first (a logistic unit), then the GTIN of the item or of its contents."""
    if scan.sscc is not None:
        container = directory.container(scan.sscc)
        if container is not None:
            return _container(scan, container)
    for gtin in (scan.gtin, scan.content_gtin):
        product = directory.product_by_barcode(gtin) if gtin else None
        if product is not None:
            return _product(scan, product)
    return None


def _by_raw_code(scan: Scan, directory: Directory) -> Classified | None:
    """The code as scanned, against each kind of label in turn; the first hit wins."""
    code = scan.code
    lookups: tuple[Callable[[], Classified | None], ...] = (
        lambda: _named(scan, "location", key=directory.location(code)),
        lambda: _container(scan, directory.container(code)),
        lambda: _product(scan, directory.product_by_barcode(code)),
        lambda: _named(scan, "order", key=directory.order(code)),
        lambda: _named(scan, "parcel", key=directory.parcel_by_tracking(code)),
        lambda: _named(scan, "rma", key=directory.rma(code)),
        lambda: _badge(scan, directory.operator_by_badge(code)),
    )
    return next((hit for lookup in lookups if (hit := lookup()) is not None), None)


def _named(scan: Scan, kind: ClassifiedKind, *, key: str | None) -> Classified | None:
    return Classified(kind, key, scan) if key is not None else None


def _container(scan: Scan, hit: ContainerHit | None) -> Classified | None:
    if hit is None:
        return None
    return Classified("container", hit.code, scan, container_type=hit.type)


def _badge(scan: Scan, operator_id: int | None) -> Classified | None:
    if operator_id is None:
        return None
    return Classified("badge", str(operator_id), scan, operator_id=operator_id)


def _product(scan: Scan, hit: ProductHit | None) -> Classified | None:
    """One scan is one pack; a GS1 count (37) says how many packs the label stands for."""
    if hit is None:
        return None
    quantity = hit.pack_qty * (scan.count if scan.count is not None else 1)
    return Classified(
        "product",
        hit.sku,
        scan,
        quantity=quantity,
        lot=scan.batch,
        expiry=scan.expiry,
        serial=scan.serial,
    )


def with_typed_quantity(scan: Classified, quantity: int, *, allowed: bool) -> Classified:
    """An item scan that stands for `quantity` scans of it (typed at a quantity prompt)."""
    if not allowed:
        raise EdgeError("quantity_not_allowed", quantity=quantity)
    if scan.kind != "product":
        raise EdgeError("quantity_not_allowed", quantity=quantity)
    return replace(scan, quantity=(scan.quantity or 1) * quantity)

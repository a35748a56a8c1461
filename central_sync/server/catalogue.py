"""Central's catalogue (the master): products upserted through the API or from the edge's CSV
shape, each real change sent to every edge as `product_upserted`."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError

from central_sync.server.feed import add_change, add_to_every_edge
from central_sync.store import catalogue as stored
from central_sync.store.db import Tx, utc_now
from kernel.fields import ONE_LINE, PRINTABLE

SKU_PATTERN = r"^[^\s]{1,64}$"
PRODUCT_COLUMNS = (
    "sku", "name", "name_zh", "weight_g", "lot_tracked", "expiry_tracked", "category",
)  # fmt: skip
BARCODE_COLUMNS = ("code", "sku", "pack_qty")


class Barcode(BaseModel):
    code: Annotated[str, PRINTABLE] = Field(min_length=1, max_length=64)
    pack_qty: int = Field(default=1, ge=1, le=100_000)


class ProductIn(BaseModel):
    name: Annotated[str, ONE_LINE] = Field(min_length=1, max_length=200)
    name_zh: Annotated[str, ONE_LINE] = Field(default="", max_length=200)
    weight_g: int | None = Field(default=None, ge=0, le=10_000_000)
    barcodes: list[Barcode] = Field(default_factory=list, max_length=50)
    # For the return policy's windows (central only: not in `product_upserted`).
    category: Annotated[str, PRINTABLE] = Field(default="", max_length=64)


class ProductWithSku(ProductIn):
    sku: Annotated[str, PRINTABLE] = Field(pattern=SKU_PATTERN)


def product_data(sku: str, product: ProductIn) -> dict[str, Any]:
    """The `product_upserted` change's data (docs/sync.md)."""
    barcodes = [b.model_dump() for b in sorted(product.barcodes, key=lambda b: b.code)]
    return {
        "sku": sku,
        "name": product.name,
        "name_zh": product.name_zh,
        "weight_g": product.weight_g,
        "barcodes": barcodes,
    }


def _stored(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "sku": row["sku"],
        "name": row["name"],
        "name_zh": row["name_zh"],
        "weight_g": row["weight_g"],
        "barcodes": json.loads(row["barcodes"]),
    }


def upsert_products(tx: Tx, products: Sequence[tuple[str, ProductIn]]) -> dict[str, int]:
    """Create or change products; only a real change reaches the edges. Returns the counts."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for sku, product in products:
        data = product_data(sku, product)
        row = stored.product(tx, sku)
        if row is not None and _stored(row) == data and row["category"] == product.category:
            counts["unchanged"] += 1
            continue
        counts["created" if row is None else "updated"] += 1
        stored.upsert_product(
            tx,
            sku,
            name=product.name,
            name_zh=product.name_zh,
            weight_g=product.weight_g,
            barcodes=json.dumps(data["barcodes"], ensure_ascii=False),
            category=product.category,
            now=utc_now(),
        )
        if row is None or _stored(row) != data:  # a new category alone is central's business
            add_to_every_edge(tx, "product_upserted", data)
    return counts


def send_catalogue(tx: Tx, edge_id: str) -> int:
    """Queue every product for a newly added edge, so it starts with the whole catalogue."""
    rows = stored.all_products(tx)
    for row in rows:
        add_change(tx, edge_id, "product_upserted", _stored(row), order_id=None)
    return len(rows)


def list_products(tx: Tx) -> list[dict[str, Any]]:
    rows = stored.all_products(tx)
    return [_stored(r) | {"category": r["category"]} for r in rows]


# --- the edge's products CSV (edge/store/importer.py: sku,name[,name_zh,weight_g,…]) -------------


@dataclass(frozen=True)
class BadRow:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file} line {self.line}: {self.reason}"


def _rows(path: Path, columns: Sequence[str], required: Sequence[str]) -> Iterable[Any]:
    """(line, row) of a UTF-8 CSV file, or a BadRow for a header that does not fit."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = [h.strip() for h in reader.fieldnames or []]
        unknown = [h for h in header if h not in columns]
        missing = [c for c in required if c not in header]
        if unknown or missing:
            what = [f"unknown column {c!r}" for c in unknown] + [
                f"missing column {c!r}" for c in missing
            ]
            yield BadRow(path.name, 1, f"{'; '.join(what)} (expected: {', '.join(columns)})")
            return
        reader.fieldnames = header
        for row in reader:
            if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


def read_catalogue_csv(
    products: Path, barcodes: Path | None = None
) -> tuple[list[tuple[str, ProductIn]], list[BadRow]]:
    """Products (and their barcodes) from the edge's CSV files; bad rows are collected."""
    found: dict[str, dict[str, Any]] = {}
    bad: list[BadRow] = []
    for item in _rows(products, PRODUCT_COLUMNS, ("sku", "name")):
        if isinstance(item, BadRow):
            bad.append(item)
            continue
        line, row = item
        weight = row.get("weight_g", "")
        found[row["sku"]] = {
            "line": line,
            "sku": row["sku"],
            "name": row["name"],
            "name_zh": row.get("name_zh", ""),
            "barcodes": [],
            "weight_g": weight or None,
            "category": row.get("category", ""),  # central's own: the return policy's windows
        }
    for item in _rows(barcodes, BARCODE_COLUMNS, ("code", "sku")) if barcodes else ():
        assert barcodes is not None  # rows come only from a barcodes file
        if isinstance(item, BadRow):
            bad.append(item)
        elif item[1]["sku"] not in found:
            bad.append(
                BadRow(barcodes.name, item[0], f"SKU {item[1]['sku']!r} is not in {products.name}")
            )
        else:
            code = {"code": item[1]["code"], "pack_qty": item[1].get("pack_qty") or 1}
            found[item[1]["sku"]]["barcodes"].append(code)
    out: list[tuple[str, ProductIn]] = []
    for entry in found.values():
        try:
            out.append((ProductWithSku.model_validate(entry).sku, ProductIn.model_validate(entry)))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            bad.append(BadRow(products.name, entry["line"], f"{where}: {first['msg']}"))
    return out, bad

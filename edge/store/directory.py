"""The edge's data as the scan classifier sees it (implements `edge.domain.classify.Directory`)."""

from __future__ import annotations

import sqlite3

from edge.domain.classify import ContainerHit, ProductHit
from edge.store.orders import resolve_order_id


class SqlDirectory:
    """Barcode lookups on one connection; each is a primary-key or unique-index probe."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _one(self, sql: str, code: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._conn.execute(sql, (code,)).fetchone()
        return row

    def product_by_barcode(self, code: str) -> ProductHit | None:
        row = self._one(
            "SELECT b.sku, b.pack_qty, b.code FROM barcodes b JOIN products p USING (sku)"
            " WHERE b.code = ? AND p.active",
            code,
        )
        return ProductHit(row["sku"], row["pack_qty"], row["code"]) if row else None

    def location(self, code: str) -> str | None:
        row = self._one("SELECT code FROM locations WHERE code = ? AND active", code)
        return row["code"] if row else None

    def container(self, code: str) -> ContainerHit | None:
        row = self._one(
            "SELECT code, type FROM containers WHERE (code = ?1 OR sscc = ?1) AND active", code
        )
        return ContainerHit(row["code"], row["type"]) if row else None

    def order(self, code: str) -> str | None:
        return resolve_order_id(self._conn, code)

    def parcel_by_tracking(self, code: str) -> str | None:
        row = self._one("SELECT id FROM parcels WHERE tracking_no = ?", code)
        return row["id"] if row else None

    def rma(self, code: str) -> str | None:
        """An RMA by its number or its return label's tracking number (index probes)."""
        row = self._one("SELECT rma FROM return_authorisations WHERE rma = ?", code) or self._one(
            "SELECT rma FROM return_authorisations WHERE return_tracking = ?", code
        )
        return row["rma"] if row else None

    def operator_by_badge(self, code: str) -> int | None:
        row = self._one("SELECT id FROM operators WHERE badge = ? AND active", code)
        return row["id"] if row else None

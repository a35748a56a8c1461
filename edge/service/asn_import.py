"""A standalone edge's advance shipping notices from a file (`warehouse-edge asns import`): CSV in
central's layout or JSON as central's API takes it (kernel/asn.py), checked whole against this
edge's catalogue, then kept through the receiving store exactly as central's feed keeps them
(`upsert_asn`, source `import`). A file with any fault changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from edge.store import receiving
from edge.store.catalog import product_row
from edge.store.database import Store
from edge.store.writer import Tx
from kernel import json_body
from kernel.asn import AsnIn, ParsedAsn, csv_column, document, first_problem, parse_csv

SOURCE = "import"


class AsnFileRefused(Exception):
    """The file has faults (each a line of `problems`); nothing of it was imported."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = problems


@dataclass
class AsnImport:
    created: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # open, nothing received: lines replaced
    kept: list[str] = field(default_factory=list)  # being received or closed: left as it is

    def summary(self, *, dry_run: bool) -> str:
        verb = "would import" if dry_run else "imported"
        text = f"ASNs {verb}: {len(self.created)} new, {len(self.replaced)} replaced"
        if self.kept:
            text += f", {len(self.kept)} kept as they are (already receiving or closed: "
            text += ", ".join(self.kept) + ")"
        return text + ("; nothing was changed (dry run)" if dry_run else "")


@dataclass
class _Read:
    asn: AsnIn
    where: Any  # where(path into the ASN) -> the problem's place in the file


class _DryRun(Exception):
    def __init__(self, result: AsnImport) -> None:
        self.result = result


def read_asns(path: Path, edge_id: str) -> tuple[list[_Read], list[str]]:
    """The file's ASNs that read well, and every fault with its place in the file."""
    text = path.read_text(encoding="utf-8-sig")  # a byte-order mark, as Excel writes, is skipped
    if path.suffix.lower() == ".json":
        found, problems = _from_json(text)
    else:
        parsed, errors = parse_csv(text)
        found = [_Read(p.asn, _csv_place(p)) for p in parsed]
        problems = [f"line {e.row}: {e.field}: {e.reason}" for e in errors]
    for r in found:
        if r.asn.warehouse not in (None, edge_id):
            problems.append(
                f"{r.where(('warehouse',))}: addressed to warehouse {r.asn.warehouse}, "
                f"this edge is {edge_id}"
            )
    if not found and not problems:
        problems.append("the file holds no ASN")
    return found, problems


def _csv_place(p: ParsedAsn) -> Any:
    return lambda where: f"line {p.row_of(where)}: {csv_column(where)}"


def _from_json(text: str) -> tuple[list[_Read], list[str]]:
    try:
        body = json_body.loads(text)  # strict: no NaN, nested less than 1000 deep
    except ValueError as exc:
        return [], [f"not JSON: {exc}"]
    items = body.get("asns") if isinstance(body, dict) and "asns" in body else body
    items = items if isinstance(items, list) else [items]
    found, problems = [], []
    for n, item in enumerate(items, 1):
        asn_id = item.get("asn_id") if isinstance(item, dict) else None
        label = f"ASN {n}" + (f" ({asn_id})" if isinstance(asn_id, str) else "")

        def place(where: tuple[Any, ...], label: str = label) -> str:
            return f"{label}: {'.'.join(map(str, where))}"

        try:
            found.append(_Read(AsnIn.model_validate(item), place))
        except ValidationError as exc:
            where, reason = first_problem(exc)
            problems.append(f"{place(where)}: {reason}")
    return found, problems


def _unknown_skus(store: Store, found: list[_Read]) -> list[str]:
    conn = store.read()
    problems = []
    for r in found:
        for i, ln in enumerate(r.asn.lines):
            if product_row(conn, ln.sku) is None:
                problems.append(
                    f"{r.where(('lines', i, 'sku'))}: {ln.sku} is not in this edge's catalogue "
                    "(warehouse-edge import products first)"
                )
    return problems


def _place_order(problem: str) -> tuple[int, str]:
    """Problems in file order: `line 12: …` by its number, `ASN 3 (…): …` by its place."""
    head = problem.split(":", 1)[0].split(" ")
    number = head[1] if len(head) > 1 else ""
    return (int(number) if number.isdigit() else 0, problem)


def import_asns(store: Store, path: Path, *, dry_run: bool = False) -> AsnImport:
    """Every ASN of the file in one transaction (rolled back on a dry run)."""
    found, problems = read_asns(path, store.edge_id)
    problems += _unknown_skus(store, found)
    if problems:
        raise AsnFileRefused(sorted(problems, key=_place_order))

    def keep(tx: Tx) -> AsnImport:
        result = AsnImport()
        for r in found:
            before = receiving.asn(tx, r.asn.asn_id)
            if not receiving.upsert_asn(tx, document(r.asn), SOURCE):
                result.kept.append(r.asn.asn_id)
            else:
                (result.created if before is None else result.replaced).append(r.asn.asn_id)
        if dry_run:
            raise _DryRun(result)  # the writer rolls the transaction back
        return result

    try:
        return store.writer.call(keep)
    except _DryRun as done:
        return done.result

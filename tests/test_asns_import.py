"""`warehouse-edge asns import FILE`: a standalone edge's ASNs from CSV (central's layout) or JSON
(central's API body), checked whole: a bad file names every problem with its line and imports
nothing (exit 1), a dry run changes nothing, an ASN being received is kept as it is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.store import catalog, receiving
from edge.store.database import Store
from edge.store.writer import Tx

PALLET = "376130321109103420"
CSV = (
    "asn_id,supplier,expected_date,sku,qty,lot,expiry,sscc,container_kind\n"
    f"ASN-1,Fujian Tea Co.,2026-12-04,TEA-1,24,L2611,2027-11-30,{PALLET},pallet\n"
    "ASN-1,,,TEA-2,12,,,,\n"
    "ASN-2,Hangzhou Cups,,TEA-2,6,,,,\n"
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """An edge database whose catalogue holds TEA-1 and TEA-2."""
    path = tmp_path / "edge.db"
    store = Store(path)

    def products(tx: Tx) -> None:
        for sku in ("TEA-1", "TEA-2"):
            catalog.upsert_product(tx, sku=sku, name=sku, weight_g=100)

    store.writer.call(products)
    store.close()
    return path


def run(db: Path, file: Path, *extra: str) -> Any:
    return CliRunner().invoke(cli, ["asns", "import", str(file), "--db", str(db), *extra])


def stored(db: Path) -> dict[str, Any]:
    store = Store(db)
    try:
        conn = store.read()
        return {
            t: [tuple(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2")]
            for t in ("asns", "asn_lines", "asn_containers")
        }
    finally:
        store.close()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_file_imports_its_asns_with_their_pallets(db: Path, tmp_path: Path) -> None:
    done = run(db, write(tmp_path, "asns.csv", CSV))

    assert (done.exit_code, done.output) == (0, "ASNs imported: 2 new, 0 replaced\n")
    store = Store(db)
    got = receiving.asn(store.read(), "ASN-1")
    store.close()
    assert got is not None
    assert (got["supplier"], got["expected_date"], got["source"]) == (
        "Fujian Tea Co.",
        "2026-12-04",
        "import",
    )
    assert [(ln["sku"], ln["qty"], ln["lot"]) for ln in got["lines"]] == [
        ("TEA-1", 24, "L2611"),
        ("TEA-2", 12, None),
    ]
    assert [(c["sscc"], c["kind"]) for c in got["containers"]] == [(PALLET, "pallet")]


def test_a_json_file_in_central_s_api_shape_imports_and_a_dry_run_changes_nothing(
    db: Path, tmp_path: Path
) -> None:
    body = {
        "asns": [{"asn_id": "ASN-7", "supplier": "Acme", "lines": [{"sku": "TEA-1", "qty": 3}]}]
    }
    file = write(tmp_path, "asns.json", json.dumps(body))
    before = stored(db)

    dry = run(db, file, "--dry-run")

    assert (dry.exit_code, dry.output) == (
        0,
        "ASNs would import: 1 new, 0 replaced; nothing was changed (dry run)\n",
    )
    assert stored(db) == before
    assert run(db, file).exit_code == 0
    assert [r[0] for r in stored(db)["asns"]] == ["ASN-7"]


@pytest.mark.parametrize(
    ("name", "text", "problems"),
    [
        (
            "asns.csv",
            CSV.replace("TEA-2,12", "TEA-9,twelve").replace("Hangzhou Cups,,TEA-2", "Hangzhou Cups,,TEA-3"),
            ["line 3: qty: must be a whole number, got 'twelve'",
             "line 4: sku: TEA-3 is not in this edge's catalogue (warehouse-edge import products first)"],
        ),
        (
            "asns.csv",
            CSV.replace(PALLET, PALLET[:-1] + "1"),
            ["line 2: sscc: not a valid SSCC: Invalid SSCC check digit for "
             f"'{PALLET[:-1]}1': Expected 0, got 1."],
        ),
        (
            "asns.json",
            json.dumps([{"asn_id": "A-1", "supplier": "x", "lines": [{"sku": "TEA-1", "qty": 0}]},
                        {"asn_id": "A-2", "warehouse": "edge-9", "supplier": "x",
                         "lines": [{"sku": "TEA-1", "qty": 1}]}]),
            ["ASN 1 (A-1): lines.0.qty: Input should be greater than or equal to 1",
             "ASN 2 (A-2): warehouse: addressed to warehouse edge-9, this edge is edge-1"],
        ),
        ("asns.json", "{not json", None),
    ],
    ids=["csv_rows", "check_digit", "json", "not_json"],
)  # fmt: skip
def test_a_bad_file_names_every_problem_and_imports_nothing(
    db: Path, tmp_path: Path, name: str, text: str, problems: list[str] | None
) -> None:
    before = stored(db)

    done = run(db, write(tmp_path, name, text))

    assert done.exit_code == 1
    assert "nothing was imported" in done.output
    if problems is not None:
        assert done.output.splitlines()[2:] == [f"  {p}" for p in problems]  # after en and zh
    assert stored(db) == before


@pytest.mark.parametrize(
    "text", ["[" * 100_000 + "]" * 100_000, '{"asns": [{"asn_id": NaN}]}'], ids=["deep", "NaN"]
)
def test_an_asn_file_that_is_not_strict_json_is_refused_in_both_languages(
    db: Path, tmp_path: Path, text: str
) -> None:
    before = stored(db)

    done = run(db, write(tmp_path, "asns.json", text))

    assert done.exit_code == 1, done.output
    assert "not JSON" in done.output and "未导入任何内容" in done.output
    assert stored(db) == before


def test_the_example_file_imports_into_an_edge_holding_the_example_catalogue(
    tmp_path: Path,
) -> None:
    examples = Path(__file__).resolve().parents[1] / "edge" / "examples"
    db = tmp_path / "edge.db"
    catalogue = ["import", "products", str(examples / "products.csv"), "--db", str(db)]
    assert CliRunner().invoke(cli, catalogue).exit_code == 0

    done = run(db, examples / "asns.csv")

    assert (done.exit_code, done.output) == (0, "ASNs imported: 2 new, 0 replaced\n")
    assert len(stored(db)["asn_lines"]) == 4


def test_an_asn_imported_again_while_the_dock_receives_it_is_kept_as_it_is(
    db: Path, tmp_path: Path
) -> None:
    file = write(tmp_path, "asns.csv", CSV)
    run(db, file)
    store = Store(db)
    store.writer.call(
        lambda tx: tx.execute("UPDATE asn_lines SET received = 5 WHERE asn_id = 'ASN-1'")
    )
    store.close()
    before = stored(db)

    done = run(db, write(tmp_path, "again.csv", CSV.replace("TEA-2,12", "TEA-2,13")))

    assert done.exit_code == 0
    assert done.output == (
        "ASNs imported: 0 new, 1 replaced, 1 kept as they are (already receiving or closed: "
        "ASN-1)\n"
    )
    assert stored(db)["asn_lines"][:2] == before["asn_lines"][:2]

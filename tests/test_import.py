"""`warehouse-edge import`: every kind imports; a bad file is refused whole, every bad row named."""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.domain.operator import verify_pin
from edge.service.imports import import_file
from edge.store.database import Store
from edge.store.importer import ImportRefused
from tests.servers import venv_script
from tests.support import snapshot

EXAMPLES = Path(__file__).resolve().parents[1] / "edge" / "examples"
ORDER = ("products", "barcodes", "locations", "containers", "stock", "operators")
COUNTED = ("products", "barcodes", "locations", "containers", "lots", "operators")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(store: Store, tmp_path: Path, kind: str, text: str) -> Any:
    return import_file(store, kind, write(tmp_path, f"{kind}.csv", text), pin_cost=10)


def rows(store: Store, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in store.read().execute(sql)]


def state(store: Store) -> tuple[Any, dict[str, int]]:
    """Everything an import could touch: the ledger snapshot and the master data counts."""
    conn = store.read()
    counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in COUNTED}
    return snapshot(store), counts


@pytest.fixture
def catalogued(store: Store) -> Store:
    """The example products and locations, for the kinds that refer to them."""
    for kind in ("products", "locations"):
        import_file(store, kind, EXAMPLES / f"{kind}.csv")
    return store


IMPORTS = [
    (
        "products",
        "sku,name,name_zh,weight_g,lot_tracked,expiry_tracked\n"
        "NEW-1,Oolong tea 50 g,乌龙茶 50克,70,yes,true\nNEW-2,Phone case,手机壳,,,\n",
        "SELECT sku, name, name_zh, weight_g, lot_tracked, expiry_tracked FROM products"
        " WHERE sku LIKE 'NEW-%' ORDER BY sku",
        [
            ("NEW-1", "Oolong tea 50 g", "乌龙茶 50克", 70, 1, 1),
            ("NEW-2", "Phone case", "手机壳", 0, 0, 0),
        ],
    ),
    (
        "barcodes",
        "code,sku,pack_qty\n6901234567908,TEA-0002,\n16901234567905,TEA-0002,12\nINNER-77,TEA-0002,6\n",
        "SELECT code, sku, pack_qty, printed FROM barcodes ORDER BY code",
        [
            ("06901234567908", "TEA-0002", 1, "6901234567908"),
            ("16901234567905", "TEA-0002", 12, "16901234567905"),
            ("INNER-77", "TEA-0002", 6, "INNER-77"),
        ],
    ),
    (
        "locations",
        "code,type,zone,pick_seq\nC-01-01,bin,C,500\nBENCH-9,bench,,\n",
        "SELECT code, type, zone, pick_seq FROM locations WHERE code IN ('C-01-01', 'BENCH-9')"
        " ORDER BY code",
        [("BENCH-9", "bench", "", 0), ("C-01-01", "bin", "C", 500)],
    ),
    (
        "containers",
        "code,type,sscc\nT-0100,,\nPAL-0100,pallet,006901234500000013\n",
        "SELECT code, type, sscc FROM containers ORDER BY code",
        [("PAL-0100", "pallet", "006901234500000013"), ("T-0100", "tote", None)],
    ),
    (
        "stock",
        "sku,location,qty,lot,expiry\nTEA-0001,A-01-01,40,L1,2026-06-30\nPHN-0001,B-01-01,7,,\n",
        "SELECT sku, location, container, lot, bucket, qty FROM balances ORDER BY sku",
        [
            ("PHN-0001", "B-01-01", "", "", "on_hand", 7),
            ("TEA-0001", "A-01-01", "", "L1", "on_hand", 40),
        ],
    ),
    (
        "operators",
        "badge,name,role,pin,language\nP9,Li Na,picker,1357,zh\nS9,Wang Fang,supervisor,86420,\n",
        "SELECT badge, name, role, language, active FROM operators ORDER BY badge",
        [("P9", "Li Na", "picker", "zh", 1), ("S9", "Wang Fang", "supervisor", "", 1)],
    ),
]


@pytest.mark.parametrize(
    ("kind", "text", "query", "expected"), IMPORTS, ids=[i[0] for i in IMPORTS]
)
def test_each_kind_imports_its_rows(
    catalogued: Store, tmp_path: Path, kind: str, text: str, query: str, expected: list[Any]
) -> None:
    result = load(catalogued, tmp_path, kind, text)

    assert (result.kind, result.rows, result.changed) == (
        kind,
        2 if kind != "barcodes" else 3,
        len(expected),
    )
    assert rows(catalogued, query) == expected


def test_operators_pins_are_stored_as_salted_scrypt_hashes(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, "operators", "badge,name,role,pin\nP1,A,picker,1357\nP2,B,picker,1357\n")

    hashes = [h for (h,) in rows(store, "SELECT pin_hash FROM operators ORDER BY badge")]

    assert [h.split("$")[:2] for h in hashes] == [["scrypt", "10"], ["scrypt", "10"]]
    assert hashes[0] != hashes[1]
    assert [verify_pin("1357", h) for h in hashes] == [True, True]


def test_importing_the_same_files_again_changes_nothing(store: Store) -> None:
    for kind in ORDER[:4] + ORDER[5:]:
        import_file(store, kind, EXAMPLES / f"{kind}.csv", pin_cost=10)
    before = state(store)

    again = [
        import_file(store, k, EXAMPLES / f"{k}.csv", pin_cost=10).changed
        for k in ORDER[:4] + ORDER[5:]
    ]

    assert again == [0, 0, 0, 0, 0]
    assert state(store) == before


def test_the_example_files_import_in_order(store: Store) -> None:
    results = [import_file(store, kind, EXAMPLES / f"{kind}.csv", pin_cost=10) for kind in ORDER]

    assert [r.summary() for r in results] == [
        "products: 5 rows imported (5 new or updated)",
        "barcodes: 7 rows imported (7 new or updated)",
        "locations: 8 rows imported (8 new or updated)",
        "containers: 4 rows imported (4 new or updated)",
        "stock: 6 rows imported (6 new or updated)",
        "operators: 5 rows imported (5 new or updated)",
    ]


def test_opening_stock_enters_as_receive_movements_with_outbox_events(
    catalogued: Store, tmp_path: Path
) -> None:
    text = "sku,location,qty,lot,expiry\nTEA-0001,A-01-01,40,L1,2026-06-30\nPHN-0001,B-01-01,7,,\n"

    load(catalogued, tmp_path, "stock", text)

    assert rows(
        catalogued,
        "SELECT type, reason, sku, lot, qty, from_location, from_bucket, to_location, to_bucket,"
        " event_seq FROM movements ORDER BY id",
    ) == [
        ("receive", "opening_stock", "TEA-0001", "L1", 40, "", "received", "A-01-01", "on_hand", 1),
        ("receive", "opening_stock", "PHN-0001", "", 7, "", "received", "B-01-01", "on_hand", 2),
    ]
    assert rows(catalogued, "SELECT seq, type, sku FROM outbox ORDER BY seq") == [
        (1, "stock_received", "TEA-0001"),
        (2, "stock_received", "PHN-0001"),
    ]
    assert rows(catalogued, "SELECT sku, lot, expiry FROM lots") == [
        ("TEA-0001", "L1", "2026-06-30")
    ]


def test_import_reports_progress_every_thousand_rows(store: Store, tmp_path: Path) -> None:
    text = "sku,name\n" + "".join(f"X-{n:05d},Item {n}\n" for n in range(2500))
    seen: list[tuple[int, int]] = []

    import_file(
        store, "products", write(tmp_path, "p.csv", text), progress=lambda d, t: seen.append((d, t))
    )

    assert seen == [(1000, 2500), (2000, 2500)]


REFUSALS = [
    (
        "products",
        "sku,name,colour\nX,Tea,red\n",
        [
            "line 1: unknown column 'colour' (expected: sku, name, name_zh, weight_g, lot_tracked,"
            " expiry_tracked, min_shelf_life_days)"
        ],
    ),
    ("products", "sku,name_zh\nX,茶\n", ["line 1: missing required column 'name'"]),
    (
        "products",
        "sku,name\nX,Tea\nY,Tea\nX,Other tea\n",
        ["line 4: duplicate sku 'X' in the file (also on line 2)"],
    ),
    (
        "products",
        "sku,name,weight_g,lot_tracked\nX,,1,no\nY,Tea,-4,no\nZ,Tea,1,maybe\n",
        [
            "line 2: name is empty",
            "line 3: weight_g -4 is negative",
            "line 4: lot_tracked 'maybe' is not true or false (use true, false, yes, no, 1 or 0)",
        ],
    ),
    ("products", "sku,name\nX,Tea,extra\n", ["line 2: 3 values but the header names 2 columns"]),
    (
        "barcodes",
        "code,sku\n6901234567892,TEA-0001\n6901234567893,TEA-0001\n6901234567908,NOPE\n",
        [
            "line 3: barcode 6901234567893 has a wrong GTIN check digit (expected 2)",
            "line 4: Item NOPE is not in the catalogue. Check the item number or import it first.",
        ],
    ),
    (
        "barcodes",
        "code,sku\n6901234567892,TEA-0001\n06901234567892,TEA-0002\n",
        ["line 3: duplicate barcode '06901234567892' in the file (also on line 2)"],
    ),
    (
        "barcodes",
        "code,sku,pack_qty\nINNER-1,TEA-0001,0\nINNER-2,TEA-0001,six\n",
        [
            "line 2: pack_qty 0 is below 1",
            "line 3: pack_qty 'six' is not a whole number",
        ],
    ),
    (
        "locations",
        "code,type\nZ-01,shelf\n",
        ["line 2: type 'shelf' is not one of bin, bench, returns, quarantine, dock, staging"],
    ),
    (
        "containers",
        "code,sscc\nPAL-1,006901234500000012\n",
        ["line 2: sscc 006901234500000012 is not an SSCC (18 digits with a correct check digit)"],
    ),
    (
        "stock",
        "sku,location,qty,lot\nPHN-0001,B-01-01,5,\nPHN-0001,B-01-01,-5,\nNOPE,B-01-01,5,\n",
        [
            "line 3: qty -5 is negative",
            "line 4: Item NOPE is not in the catalogue. Check the item number or import it first.",
        ],
    ),
    (
        "stock",
        "sku,location,qty,lot,expiry\nPHN-0001,Z-99,5,,\nTEA-0001,A-01-01,5,,\n"
        "PHN-0002,B-01-01,,,\nSNK-0001,A-02-01,3,M1,31/03/2026\n",
        [
            "line 2: Location Z-99 does not exist. Check the label or ask a supervisor.",
            "line 3: sku TEA-0001 is lot-tracked: give a lot",
            "line 4: qty is empty",
            "line 5: expiry '31/03/2026' is not a date like 2025-12-31",
        ],
    ),
    (
        "stock",
        "sku,location,qty,lot,expiry\n"
        f"PHN-0002,B-01-01,{2**63 - 1},,\nPHN-0002,A-01-01,{2**64},,\nSNK-0001,A-02-01,3,{'L' * 21},2026-12-31\n",
        [
            f"line 2: Quantity {2**63 - 1} is more than one command may move here (1000000000). Split it into smaller steps.",
            f"line 3: Quantity {2**64} is more than one command may move here (1000000000). Split it into smaller steps.",
            "line 4: lot 'LLLLLLLLLLLLLLLLLLLLL'… is longer than 20 characters",
        ],
    ),
    (
        "operators",
        "badge,name,role,pin\nB1,Ann,picker,1234\nB2,Bob,boss,1234\nB3,Cy,packer,12a4\n",
        [
            "line 3: role 'boss' is not one of picker, packer, returns, supervisor, admin",
            "line 4: pin must be 4 or more digits",
        ],
    ),
]


@pytest.mark.parametrize(
    ("kind", "text", "expected"), REFUSALS, ids=[f"{r[0]}-{n}" for n, r in enumerate(REFUSALS)]
)
def test_a_file_with_bad_rows_is_refused_whole_naming_each_line(
    catalogued: Store, tmp_path: Path, kind: str, text: str, expected: list[str]
) -> None:
    before = state(catalogued)

    with pytest.raises(ImportRefused) as refused:
        load(catalogued, tmp_path, kind, text)

    assert [str(b) for b in refused.value.bad_rows] == expected
    assert state(catalogued) == before


def run_import(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [str(venv_script("warehouse-edge")), "import", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_the_console_script_imports_a_large_file_with_progress(tmp_path: Path) -> None:
    text = "sku,name,name_zh\n" + "".join(f"X-{n:05d},Item {n},商品 {n}\n" for n in range(3000))
    db = tmp_path / "edge.db"

    done = run_import("products", str(write(tmp_path, "products.csv", text)), "--db", str(db))

    assert (done.returncode, done.stdout) == (
        0,
        "products: 3,000 rows imported (3,000 new or updated)\n",
    )
    assert [line for line in done.stderr.splitlines() if line.startswith("imported")] == [
        "imported 1,000 / 3,000 rows",
        "imported 2,000 / 3,000 rows",
        "imported 3,000 / 3,000 rows",
    ]
    store = Store(db)
    assert rows(store, "SELECT COUNT(*), MIN(name_zh) FROM products") == [(3000, "商品 0")]
    store.close()


def test_the_console_script_refuses_a_bad_file_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "edge.db"
    store = Store(db)
    import_file(store, "products", EXAMPLES / "products.csv")
    before = state(store)
    store.close()
    text = "code,sku\n6901234567892,TEA-0001\n6901234567893,TEA-0001\n6901234567908,NOPE\n"

    done = run_import("barcodes", str(write(tmp_path, "barcodes.csv", text)), "--db", str(db))

    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.splitlines() == [
        f"error: {tmp_path / 'barcodes.csv'}: 2 bad row(s); nothing was imported. Correct the"
        " rows below and import the file again.",
        f"  {tmp_path / 'barcodes.csv'}：2 行有误；未导入任何内容。请更正以下各行后重新导入。",
        "  line 3: barcode 6901234567893 has a wrong GTIN check digit (expected 2)",
        "  line 4: Item NOPE is not in the catalogue. Check the item number or import it first.",
    ]
    store = Store(db)
    assert state(store) == before
    store.close()


def test_the_console_script_lists_at_most_fifty_bad_rows(tmp_path: Path) -> None:
    text = "sku,name,weight_g\n" + "".join(f"X-{n},Item,heavy\n" for n in range(60))

    done = run_import(
        "products", str(write(tmp_path, "p.csv", text)), "--db", str(tmp_path / "e.db")
    )

    lines = done.stderr.splitlines()
    assert done.returncode == 1
    assert (len(lines), lines[2], lines[-1]) == (
        53,  # the summary in English and in Chinese, fifty rows, and how many more
        "  line 2: weight_g 'heavy' is not a whole number",
        "  ... and 10 more bad rows",
    )


def test_without_a_config_the_console_script_refuses_to_make_a_stray_database(
    tmp_path: Path,
) -> None:
    # README's "sudo -u warehouse-edge warehouse-edge import products products.csv" without
    # --config: the built-in ./data is wherever the shell happens to be, not the edge's database
    csv = write(tmp_path, "products.csv", "sku,name\nNEW-1,Oolong tea 50 g\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAREHOUSE_EDGE_")}
    cmd = [str(venv_script("warehouse-edge")), "import", "products", str(csv)]

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)

    assert done.returncode == 2
    assert done.stderr == (
        "error: no edge database at data/edge.db, the built-in default (no --config FILE,"
        " WAREHOUSE_EDGE_CONFIG or --db given). On an installed box add --config"
        " /etc/warehouse-edge/edge.toml; for a new edge run `warehouse-edge init` first.\n"
    )
    assert not (tmp_path / "data").exists()


def test_a_file_the_user_cannot_read_is_named_as_unreadable_not_missing(tmp_path: Path) -> None:
    # `sudo -u warehouse-edge … import products ~/products.csv`: the home folder is private
    private = tmp_path / "home"
    private.mkdir(mode=0o700)
    csv = write(private, "products.csv", "sku,name\nNEW-1,Oolong tea 50 g\n")
    cmd = [str(venv_script("warehouse-edge")), "import", "products", str(csv)]
    if os.geteuid() == 0:  # root reads anything: drop that power, and hand the folder to nobody
        os.chown(private, 65534, 65534)
        caps = "-dac_override,-dac_read_search"
        cmd = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", "--", *cmd]
    else:
        private.chmod(0o000)

    done = subprocess.run(
        [*cmd, "--db", str(tmp_path / "edge.db")], capture_output=True, text=True, timeout=120
    )
    private.chmod(0o700)

    assert done.returncode == 2
    user = pwd.getpwuid(os.geteuid()).pw_name
    assert (
        f"Invalid value for '[FILE]': '{csv}' cannot be read by user {user} (permission denied on"
        " the file or a folder above it): copy it where that user can read it, e.g. /tmp."
    ) in done.stderr
    assert not (tmp_path / "edge.db").exists()


def test_the_example_of_every_kind_prints_and_imports_into_a_fresh_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The integrator's way in with no checkout: `import KIND --example > FILE`, then import FILE
    (and the ASN example, for `asns import`, on top of that catalogue)."""
    for name in [k for k in os.environ if k.startswith("WAREHOUSE_EDGE_")]:
        monkeypatch.delenv(name)
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--data-dir", str(tmp_path)]).exit_code == 0
    db = str(tmp_path / "edge.db")
    commands = [(["import", kind], kind) for kind in ORDER] + [(["asns", "import"], "asns")]
    done = {}
    for command, name in commands:
        printed = runner.invoke(cli, [*command, "--example"])
        assert (printed.exit_code, printed.stdout) == (0, (EXAMPLES / f"{name}.csv").read_text())
        path = write(tmp_path, f"{name}.csv", printed.stdout)
        imported = runner.invoke(cli, [*command, str(path), "--db", db])
        done[name] = (imported.exit_code, imported.stderr)

    assert done == {name: (0, "") for _, name in commands}
    store = Store(Path(db))
    assert all(n > 0 for n in state(store)[1].values())
    assert rows(store, "SELECT COUNT(*) > 0 FROM asns") == [(1,)]
    store.close()


@pytest.mark.parametrize("command", [["import", "products"], ["asns", "import"]])
def test_example_with_a_file_or_neither_is_refused_and_imports_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    csv = write(tmp_path, "p.csv", "sku,name\nNEW-1,Oolong tea 50 g\n")
    db = tmp_path / "edge.db"
    runner = CliRunner()

    both = runner.invoke(cli, [*command, str(csv), "--example", "--db", str(db)])
    neither = runner.invoke(cli, [*command, "--db", str(db)])

    assert (both.exit_code, neither.exit_code) == (2, 2)
    assert "--example prints the example CSV and imports nothing: give no FILE" in both.output
    assert "Missing argument 'FILE' (or --example to print an example CSV)." in neither.output
    assert not db.exists()

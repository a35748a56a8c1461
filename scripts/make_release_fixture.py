"""Keep this release's edge and central databases as test fixtures for upgrades in place.

    .venv/bin/python scripts/make_release_fixture.py            # tests/fixtures/releases/<today>/

Runs `warehouse-edge demo` on an empty data dir (its seeded edge, and its central on SQLite,
synced), stops it with SIGTERM, and writes compact copies (VACUUM INTO) gzipped with no time
stamp, plus manifest.json naming the release, the schema each database is at and every table's
row count. The demo's data come from a fixed seed, so the same release makes the same rows (the
times differ). tests/test_upgrade.py migrates copies of every release kept there with the code
of today and checks nothing was lost. Run it once per release, and commit what it wrote.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RELEASES = ROOT / "tests" / "fixtures" / "releases"
READY = "Press Ctrl-C to stop."


def run_demo(data_dir: Path, *, timeout: float = 180.0) -> None:
    """`warehouse-edge demo --data-dir DATA_DIR` until its banner ends, then SIGTERM."""
    script = Path(sys.executable).with_name("warehouse-edge")
    log = data_dir.parent / "demo.log"
    with log.open("w") as out:
        demo = subprocess.Popen(
            [str(script), "demo", "--data-dir", str(data_dir), "--port", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + timeout
    try:
        while READY not in log.read_text():
            if demo.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"the demo did not start:\n{log.read_text()}")
            time.sleep(0.5)
    finally:
        demo.send_signal(signal.SIGTERM)
        if demo.wait(timeout=60) != 0:
            sys.exit(f"the demo did not stop cleanly:\n{log.read_text()}")


def row_counts(db: Path) -> dict[str, int]:
    with closing(sqlite3.connect(db)) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " ORDER BY name"
            )
        ]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def keep(db: Path, out: Path) -> None:
    """A compact copy of `db`, gzipped with no name or time in its header."""
    compact = out.with_suffix("")
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("VACUUM INTO ?", (str(compact),))
    with compact.open("rb") as raw, out.open("wb") as dest:
        with gzip.GzipFile(filename="", mode="wb", fileobj=dest, compresslevel=9, mtime=0) as gz:
            shutil.copyfileobj(raw, gz)
    compact.unlink()


def schema_of(edge_db: Path, central_db: Path) -> dict[str, object]:
    with closing(sqlite3.connect(edge_db)) as conn:
        (migration,) = conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = 'warehouse-edge'"
            " ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
    with closing(sqlite3.connect(central_db)) as conn:
        (central,) = conn.execute(
            "SELECT value FROM central_meta WHERE key = 'schema_version'"
        ).fetchone()
    return {"edge_migration": migration, "central_schema_version": int(central)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    today = datetime.now(UTC).date().isoformat()
    parser.add_argument("--out", type=Path, default=RELEASES / today, help="folder to write")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="release-fixture-") as tmp:
        data = Path(tmp) / "demo"
        run_demo(data)
        edge_db, central_db = data / "edge.db", data / "central" / "central.db"
        args.out.mkdir(parents=True, exist_ok=True)
        keep(edge_db, args.out / "edge.db.gz")
        keep(central_db, args.out / "central.db.gz")
        manifest = {
            "release": version("warehouse-edge"),
            "made": today,
            **schema_of(edge_db, central_db),
            "edge_rows": row_counts(edge_db),
            "central_rows": row_counts(central_db),
        }
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    for name in ("edge.db.gz", "central.db.gz"):
        print(f"{args.out / name}: {(args.out / name).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()

"""`warehouse-edge verify`: check the stock ledger's invariants without changing anything."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import NoReturn

import click

from edge.cli.common import config_option, settings_from
from edge.store.verify import counts, open_read_only
from edge.store.verify import verify as verify_ledger


@click.command()
@config_option
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Database file to check (default: the one the config names).",
)
def verify(config_path: Path | None, db_path: Path | None) -> None:
    """Check the ledger read-only: balances against movements, no negative or over-allocated
    stock, the movements hash chain, every movement's outbox event, contiguous outbox seq (from
    each epoch's low-water mark once acknowledged events were pruned; archived movements are
    carried forward) and order lines against their allocations.

    Exit 0 and one OK line when all hold; 1 with one line per problem naming the row; 2 when the
    config is wrong or the database is missing or unreadable.
    """
    if db_path is None or config_path is not None:
        db_path = db_path or settings_from(config_path).db_path
    conn = _open(db_path)
    try:
        problems = verify_ledger(conn, progress=_progress)
        seen = counts(conn)
    except sqlite3.DatabaseError as err:
        _stop(
            f"cannot check {db_path}: {err}. Is it an edge database, changed from outside?"
            " Restore it from a backup (warehouse-edge restore).",
            f"无法检查 {db_path}：{err}。它是边缘数据库吗？是否被外部修改过？"
            "请从备份恢复（warehouse-edge restore）。",
        )
    finally:
        conn.close()
    if problems:
        for problem in problems:
            click.echo(str(problem))
        click.echo(f"verify: {len(problems)} problem(s) in {db_path}", err=True)
        sys.exit(1)
    checked = f"{seen.movements} movements, {seen.balances} balances, {seen.events} events"
    click.echo(f"OK: {checked} checked")


def _open(path: Path) -> sqlite3.Connection:
    """Open without migrations or writes (`mode=ro`); stop with exit 2 when it cannot be read."""
    if not path.is_file():
        _stop(
            f"database {path} does not exist (give --db PATH or --config FILE)",
            f"数据库 {path} 不存在（请用 --db PATH 或 --config FILE 指定）",
        )
    try:
        return open_read_only(path)
    except sqlite3.DatabaseError as err:
        _stop(
            f"cannot open database {path}: {err}. Give an edge database; if it is locked, stop"
            " what holds it and run verify again.",
            f"无法打开数据库 {path}：{err}。请指定边缘数据库；若被锁定，请停止占用它的程序后重新运行"
            " verify。",
        )


def _progress(done: int, total: int) -> None:
    click.echo(f"verify: {done:,} of {total:,} movements hashed", err=True)


def _stop(message: str, zh: str) -> NoReturn:
    click.echo(f"error: {message}\n  {zh}", err=True)
    sys.exit(2)

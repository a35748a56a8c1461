"""`warehouse-central`: the central order store's command line."""

from __future__ import annotations

import csv
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click
from click.core import ParameterSource

from central_sync.store.dialect import DatabaseUrl, parse_db_url
from kernel import json_body
from kernel.cli_errors import BilingualGroup
from kernel.input_file import InputFile
from kernel.install import Placement, install_command
from kernel.logs import setup_logging
from kernel.number_option import Seconds

if TYPE_CHECKING:  # the channels package is loaded only when --decrypter is given
    from central_sync.channels.pii import Decrypter

DEFAULT_DB = "central.db"
DB_ENV = "WAREHOUSE_CENTRAL_DB"
IMPORT_CHUNK = 200
IMPORT_REFUSED_EXIT = 3  # some orders of the file were refused; the rest went in


class DbUrl(click.ParamType[DatabaseUrl]):
    """A `--db` value: a file path, sqlite:///PATH or postgresql://…"""

    name = "URL"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> DatabaseUrl:
        if isinstance(value, DatabaseUrl):
            return value
        try:
            return parse_db_url(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


db_option = click.option(
    "--db",
    "db",
    type=DbUrl(),
    default=DEFAULT_DB,
    envvar=DB_ENV,
    show_default=True,
    help=f"Database: a SQLite file (PATH or sqlite:///PATH) or postgresql://USER:PASS@HOST/DB "
    f"(env {DB_ENV}).",
)


class DecrypterSpec(click.ParamType["Decrypter"]):
    """A `--decrypter` value: module:callable, imported and called once at start."""

    name = "MODULE:CALLABLE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Decrypter:
        # the channels package: loaded only when --decrypter is given
        from central_sync.channels.pii import DecrypterError, load_decrypter

        if not isinstance(value, str):  # a default given in code: a Decrypter already
            return cast("Decrypter", value)
        try:
            return load_decrypter(value)
        except DecrypterError as exc:
            self.fail(str(exc), param, ctx)


DECRYPTER_ENV = "WAREHOUSE_CENTRAL_DECRYPTER"
decrypter_option = click.option(
    "--decrypter",
    type=DecrypterSpec(),
    default=None,
    envvar=DECRYPTER_ENV,
    help="The adapter that decrypts a ship-to JD or Taobao protects: an importable "
    f"module:callable returning a Decrypter (env {DECRYPTER_ENV}; default: none, such "
    'orders are held). See docs/central.md, "Protected ship-to".',
)


quiet_option = click.option(
    "--quiet-after",
    default=120.0,
    show_default=True,
    envvar="WAREHOUSE_CENTRAL_QUIET_AFTER_S",
    type=Seconds(5, 86_400),
    metavar="SECONDS",
    help="An edge not heard from this long is quiet: it gets new orders only when no other can.",
)


@contextmanager
def opened(
    url: DatabaseUrl, *, create: bool = False, recompute: bool = True, **settings: Any
) -> Iterator[Any]:
    """Central over `url`, migrated; a database that cannot be opened is a clear error. A new
    database is made only by `create` (init, serve) or where --db or the environment named it:
    the built-in central.db is wherever the shell is, not the store central serves. A check
    passes `recompute=False`: the channels' figures are not recomputed behind it."""
    # central's server (FastAPI):
    # loaded when this command runs, not at each `warehouse-central` start-up
    from central_sync.server.central import Central
    from central_sync.server.errors import CentralError
    from central_sync.store.db import DatabaseBusy

    if not create and _stray(url):
        raise click.ClickException(
            f"no central database at {url.target}, the built-in default (no --db or {DB_ENV}"
            f" given). On an installed box give --db the {DB_ENV} of"
            " /etc/warehouse-central/central.env; for a new store run `warehouse-central init`"
            " first."
        )
    try:
        central = Central(url, **settings)
    except ValueError as exc:  # a setting read from the environment (it names the variable)
        raise click.ClickException(str(exc)) from None
    try:
        central.open(recompute=recompute)
    except DatabaseBusy:
        central.close()
        raise _locked(url) from None
    except CentralError as exc:
        central.close()
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # connection refused, bad password, unwritable file …
        central.close()
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise click.ClickException(
            f"cannot open the database {url.display()} (--db): {reason}"
        ) from None
    try:
        yield central
    except DatabaseBusy:
        raise _locked(url) from None
    finally:
        central.close()


def _database_errors(url: DatabaseUrl) -> tuple[type[Exception], ...]:
    """What the backend raises for a database it cannot read as central's (no such table …)."""
    if url.backend == "sqlite":
        return (sqlite3.DatabaseError,)
    import psycopg  # loaded on PostgreSQL only

    return (psycopg.DatabaseError,)


def _stray(url: DatabaseUrl) -> bool:
    """The --db default, not given by the command line or the environment, and no file there."""
    ctx = click.get_current_context(silent=True)
    source = ctx.get_parameter_source("db") if ctx else None
    defaulted = source in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)
    return defaulted and url.backend == "sqlite" and not Path(url.target).exists()


def _locked(url: DatabaseUrl) -> click.ClickException:
    return click.ClickException(
        f"the database {url.display()} (--db) stayed locked by another process past "
        "--busy-timeout: a SQLite central takes one writer at a time (a running serve, a "
        "backup). What was written before is kept; run the command again when it is idle "
        "(an import skips the orders already in), or send the orders to serve's API."
    )


busy_timeout_option = click.option(
    "--busy-timeout",
    default=30.0,
    show_default=True,
    envvar="WAREHOUSE_CENTRAL_BUSY_TIMEOUT_S",
    type=Seconds(0.1, 600),
    metavar="SECONDS",
    help="SQLite: how long a write waits for another process's write lock (serve answers 503 "
    "database_busy after it; a command stops with the reason).",
)


@click.group(cls=BilingualGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="warehouse-edge")
def cli() -> None:
    """Central order store: where orders from every sales channel meet and every warehouse's facts
    arrive. See docs/central.md."""


@cli.command()
@db_option
@click.option(
    "--new-admin-token", is_flag=True, help="Make another admin token even if one exists."
)
def init(db: DatabaseUrl, new_admin_token: bool) -> None:
    """Create or migrate the database and print the admin token (shown this once)."""
    with opened(db, create=True) as central:
        click.echo(f"database ready: {db.display()} ({central.backend})")
        if central.has_admin_token() and not new_admin_token:
            click.echo("an admin token exists already (--new-admin-token makes another)")
            return
        token = central.create_admin_token()
    click.echo(f"admin token (shown once, keep it safe): {token}")


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8700,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port (0: any free port, printed).",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
    help="Log verbosity.",
)
@click.option(
    "--max-body-bytes",
    default=16 * 1024 * 1024,
    show_default=True,
    envvar="WAREHOUSE_CENTRAL_MAX_BODY_BYTES",
    type=click.IntRange(1024, 1024**3),
    help="Largest request body accepted (larger: 413).",
)
@click.option(
    "--request-timeout",
    default=30.0,
    show_default=True,
    envvar="WAREHOUSE_CENTRAL_REQUEST_TIMEOUT_S",
    type=Seconds(0.1, 3600),
    metavar="SECONDS",
    help="Seconds a client has to send a request's headers, and again its body (slower: 408).",
)
@click.option(
    "--log-format",
    default="text",
    show_default=True,
    envvar="WAREHOUSE_CENTRAL_LOG_FORMAT",
    type=click.Choice(["text", "json"]),
    help="text, or json: one JSON object per line with the request id (docs/monitoring.md).",
)
@quiet_option
@click.option(
    "--unacked-after",
    default=300.0,
    show_default=True,
    envvar="WAREHOUSE_CENTRAL_UNACKED_AFTER_S",
    type=Seconds(10, 604_800),
    metavar="SECONDS",
    help="An order its edge has not taken this long after release becomes an exception.",
)
@busy_timeout_option
@decrypter_option
def serve(
    db: DatabaseUrl,
    host: str,
    port: int,
    log_level: str,
    log_format: str,
    max_body_bytes: int,
    request_timeout: float,
    quiet_after: float,
    unacked_after: float,
    busy_timeout: float,
    decrypter: Any,
) -> None:
    """Run the central order store (HTTP) until interrupted.

    On PostgreSQL several serve processes (on one machine or several) may share the database,
    each on its own port behind a load balancer: docs/central.md, "Scaling out". A SQLite file
    is served by one process; a second serve on it is refused.

    Write-backs to the channels (shipped with tracking, cancelled, refunded) are sent by a sender
    per channel whose WAREHOUSE_CENTRAL_<CHANNEL>_PUSH_URL is set (SHOPIFY, AMAZON, TAOBAO, JD;
    with _PUSH_TOKEN, _PUSH_SECRET, _PUSH_APP_KEY): docs/central.md, "Status back to the
    channels". With _PUSH_STOCK=1 the channel's stock figures are pushed too (Shopify also needs
    _PUSH_LOCATION_ID, Amazon _PUSH_SELLER_ID): "Available to sell for the channels".

    An order waiting for review past its threshold is pushed to WAREHOUSE_CENTRAL_EXCEPTION_WEBHOOK_URL
    when set (_KIND json, dingtalk or wecom; _SECRET a DingTalk robot's signing secret):
    docs/central.md, "Order review".

    Orders of one buyer and address arriving within WAREHOUSE_CENTRAL_MERGE_WINDOW_S seconds
    (or WAREHOUSE_CENTRAL_<CHANNEL>_MERGE_WINDOW_S; 0, the default: off) ship as one parcel;
    WAREHOUSE_CENTRAL_SPLIT_ORDERS=1 splits an order no single warehouse can fill across
    warehouses: docs/central.md, "Merged and split orders"."""
    # central's server (FastAPI):
    # loaded when this command runs, not at each `warehouse-central` start-up
    from central_sync.server.serving import AlreadyServed, sole_server
    from central_sync.server.serving import serve as run

    setup_logging(log_level, as_json=log_format == "json")
    with ExitStack() as stack:
        try:
            stack.enter_context(sole_server(db))
        except AlreadyServed as exc:
            raise click.ClickException(str(exc)) from None
        central = stack.enter_context(
            opened(
                db,
                create=True,
                quiet_after_s=quiet_after,
                unacked_after_s=unacked_after,
                busy_timeout_s=busy_timeout,
                decrypter=decrypter,
            )
        )
        if not central.admin_env_token and not central.has_admin_token():
            click.echo("warning: no admin token yet; run `warehouse-central init`", err=True)

        def ready(url: str) -> None:
            click.echo(f"warehouse-central on {url} (db {db.display()}); board {url}/board")

        run(
            central,
            host=host,
            port=port,
            log_level=log_level,
            json_logs=log_format == "json",
            on_ready=ready,
            max_body_bytes=max_body_bytes,
            request_timeout_s=request_timeout,
        )


@cli.group()
def edges() -> None:
    """Register edges (warehouses) and list them."""


@edges.command("add")
@click.argument("edge_id")
@click.option("--name", default="", help="A human name for the warehouse.")
@db_option
def edges_add(edge_id: str, name: str, db: DatabaseUrl) -> None:
    """Register EDGE_ID and print its token (shown this once)."""
    # central's server (FastAPI):
    # loaded when this command runs, not at each `warehouse-central` start-up
    from central_sync.server.errors import CentralError

    with opened(db) as central:
        try:
            token = central.add_edge(edge_id, name)
        except CentralError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"edge {edge_id} added; its token (shown once): {token}")


@edges.command("list")
@db_option
@quiet_option
def edges_list(db: DatabaseUrl, quiet_after: float) -> None:
    """Every edge with its state (in_step, catching_up, quiet), lag, high water and last event."""
    with opened(db, quiet_after_s=quiet_after) as central:
        rows = central.edges()
    if not rows:
        click.echo("no edges yet (warehouse-central edges add EDGE_ID)")
    for e in rows:
        water = ", ".join(f"{w['epoch']}/{w['seq']}" for w in e["high_water"]) or "none"
        silent = "never heard" if e["silent_s"] is None else f"heard {e['silent_s']:.0f} s ago"
        lag = "" if e["behind_s"] is None else f", {e['behind_s']:.0f} s behind"
        click.echo(
            f"{e['edge_id']}\t{e['name']}\t{e['state']} ({silent}{lag})\thigh water {water}"
            f"\tlast event {e['last_event_at'] or 'never'}"
        )


@cli.command("verify-demand")
@db_option
@click.option(
    "--repair", is_flag=True, help="Recount the running totals from the orders where they differ."
)
def verify_demand(db: DatabaseUrl, repair: bool) -> None:
    """Check the running open demand per warehouse and SKU (what assignment reads) against the
    demand recounted from every open order; exit 1 naming each difference (0 when none, or when
    --repair recounted them)."""
    if db.backend == "sqlite" and not Path(db.target).is_file():  # a check makes no database
        raise click.ClickException(
            f"no central database at {db.target} (--db): give the file `warehouse-central init`"
            f" made, or run `warehouse-central init --db {db.target}` first.\n"
            f"  {db.target}（--db）处没有中央数据库：请指定 `warehouse-central init` 创建的文件，"
            f"或先运行 `warehouse-central init --db {db.target}`。"
        )
    with opened(db, recompute=repair) as central:
        try:
            wrong = central.demand_differences(repair=repair)
        except _database_errors(db) as exc:  # a table dropped or a wrong type, from outside
            reason = str(exc).strip().splitlines()[0]
            raise click.ClickException(
                f"cannot check {db.display()} (--db): {reason}. Is it a central database, changed"
                " from outside? Restore it from a backup.\n"
                f"  无法检查 {db.display()}（--db）：{reason}。它是中央数据库吗？是否被外部修改过？"
                "请从备份恢复。"
            ) from None
    for w in wrong:
        click.echo(
            f"{w['warehouse']}\t{w['sku']}\trunning {w['running']}\trecounted {w['recounted']}"
        )
    if not wrong:
        click.echo("open demand: the running totals match the orders")
    elif repair:
        click.echo(f"open demand: {len(wrong)} running totals recounted from the orders")
    else:
        raise click.ClickException(
            f"{len(wrong)} running open demand totals differ from the orders;"
            " `warehouse-central verify-demand --repair` recounts them"
        )


@cli.command("import-orders")
@click.argument("file", type=InputFile())
@click.option(
    "--channel", required=True, help="Mapping name (taobao, jd, …) or a mapping file path."
)
@click.option(
    "--with",
    "companions",
    multiple=True,
    type=InputFile(),
    help="A companion response of one order to merge in first (Amazon: getOrderItems, every "
    "page of it, getOrderAddress, getOrderBuyerInfo, getOrderItemsBuyerInfo); repeat for each.",
)
@db_option
@busy_timeout_option
@decrypter_option
def import_orders(
    file: Path,
    channel: str,
    companions: tuple[Path, ...],
    db: DatabaseUrl,
    busy_timeout: float,
    decrypter: Any,
) -> None:
    """Import a channel's order export: map, dedup, check, assign. Bad orders are listed; the rest go in.

    Exits 0 when every order went in (or was a duplicate), 3 when any order was refused (the
    rest are in; fix and import the file again: duplicates are skipped), 1 on an error."""
    # the channel mappings: loaded when this command runs, not at each `warehouse-central` start-up
    from central_sync.channels import (
        MappingError,
        Rejected,
        load_mapping,
        map_document,
        merge_companions,
    )

    try:
        mapping = load_mapping(channel)
    except MappingError as exc:
        raise click.ClickException(f"--channel {channel}: {exc}") from None
    document = _read_json(file)
    extra = [_read_json(path) for path in companions]
    if problems := merge_companions(document, extra, mapping) if extra else []:
        raise click.ClickException("--with: " + "; ".join(problems))
    mapped = list(map_document(document, mapping))
    refused = [_mapping_rejection(r) for r in mapped if isinstance(r, Rejected)]
    kept = [(i, m) for i, m in enumerate(mapped) if not isinstance(m, Rejected)]
    with opened(db, decrypter=decrypter, busy_timeout_s=busy_timeout) as central:
        outcomes = _ingest_with_progress(central, kept, total=len(mapped))
    rejected = refused + [o.as_dict() for o in outcomes if o.status == "rejected"]
    imported = sum(1 for o in outcomes if o.status == "imported")
    duplicates = sum(1 for o in outcomes if o.status == "duplicate")
    updated = [o for o in outcomes if o.status == "updated"]
    new = [o for o in outcomes if o.status == "imported"]
    unassigned = sum(1 for o in new if o.order_status == "unassigned")
    held = [o for o in new if o.order_status == "on_hold"]
    for r in sorted(rejected, key=lambda r: r["index"]):
        click.echo(
            f"rejected: order {r['index']} ({r.get('channel_order_id') or '?'}): "
            f"{r['field']}: {r['reason']}"
        )
        if r.get("reason_zh"):
            click.echo(
                f"  订单 {r.get('channel_order_id') or '?'} 被拒绝：{r['field']}：{r['reason_zh']}"
            )
    for o in held:
        click.echo(f"held: order {o.index} ({o.channel_order_id}): {o.reason}")
    for o in updated:
        click.echo(f"updated: order {o.index} ({o.channel_order_id}): {o.reason}")
    on_hold = f", {len(held)} held" if held else ""
    click.echo(
        f"{file.name}: {imported} imported ({unassigned} unassigned{on_hold}), "
        f"{f'{len(updated)} updated, ' if updated else ''}{duplicates} duplicates,"
        f" {len(rejected)} rejected"
    )
    if rejected:  # a script or cron job must see that part of the file did not go in
        sys.exit(IMPORT_REFUSED_EXIT)


def _read_json(file: Path) -> Any:
    """The file as strict JSON (kernel/json_body.py: no NaN, nested less than 1000 deep, UTF-8;
    a byte-order mark, which Windows tools write, is skipped)."""
    try:
        return json_body.loads(file.read_text(encoding="utf-8-sig"))
    except ValueError as exc:  # UnicodeDecodeError too
        raise click.ClickException(
            f"{file} is not a JSON file ({exc}): give the channel's export as it was downloaded,"
            f" in UTF-8.\n  {file} 不是 JSON 文件：请提供从渠道下载的原始导出文件（UTF-8）。"
        ) from None


def _mapping_rejection(r: Any) -> dict[str, Any]:
    return {
        "index": r.index,
        "channel_order_id": r.channel_order_id,
        "field": r.field,
        "reason": r.reason,
    }


def _ingest_with_progress(central: Any, kept: list[tuple[int, Any]], *, total: int) -> list[Any]:
    """Ingest in chunks (one transaction each), keeping each order's index in the file."""
    outcomes = []
    with click.progressbar(length=len(kept), label="importing orders", file=sys.stderr) as bar:
        for start in range(0, len(kept), IMPORT_CHUNK):
            chunk = kept[start : start + IMPORT_CHUNK]
            for (index, _), outcome in zip(
                chunk, central.ingest([m.to_json() for _, m in chunk]), strict=True
            ):
                outcomes.append(replace(outcome, index=index))
            bar.update(len(chunk))
    click.echo(f"{len(kept)} of {total} orders mapped and sent to the store", err=True)
    return outcomes


@cli.group()
def catalog() -> None:
    """The catalogue central is master of (sent to every edge)."""


@catalog.command("import")
@click.argument("file", type=InputFile())
@click.option(
    "--barcodes",
    type=InputFile(),
    help="The edge's barcodes CSV (code,sku,pack_qty) for these products.",
)
@db_option
def catalog_import(file: Path, barcodes: Path | None, db: DatabaseUrl) -> None:
    """Import products from the edge's products CSV (sku,name,name_zh,weight_g,…); all or nothing."""
    # central's server (FastAPI):
    # loaded when this command runs, not at each `warehouse-central` start-up
    from central_sync.server.catalogue import read_catalogue_csv

    try:
        products, bad = read_catalogue_csv(file, barcodes)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise click.ClickException(
            f"not a readable UTF-8 CSV file ({exc}); nothing was imported. Save it as CSV UTF-8"
            " (Excel: Save As → CSV UTF-8) and import it again.\n  不是可读的 UTF-8 CSV 文件；"
            "未导入任何内容。请另存为 CSV UTF-8（Excel：另存为 → CSV UTF-8）后重新导入。"
        ) from None
    if bad:
        for row in bad:
            click.echo(f"bad row: {row}", err=True)
        raise click.ClickException(
            f"{len(bad)} bad rows; nothing was imported. Correct them and import the file again."
            f"\n  {len(bad)} 行有误；未导入任何内容。请更正后重新导入。"
        )
    with opened(db) as central:
        click.echo(f"importing {len(products)} products …", err=True)
        counts = central.upsert_products(products)
    click.echo(
        f"{file.name}: {counts['created']} created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged"
    )


@catalog.command("sample")
@db_option
def catalog_sample(db: DatabaseUrl) -> None:
    """Load the demo's catalogue (about 300 products, the SKUs the sample channel exports order),
    to try import-orders before your own catalogue is in."""
    # the demo: loaded when this command runs, not at each `warehouse-central` start-up
    from edge.demo.central import products_in
    from edge.demo.data import generate

    data = generate(today=datetime.now(UTC).date())
    with opened(db) as central:
        counts = central.upsert_products(products_in(data.products, data.barcodes))
    click.echo(
        f"demo catalogue: {counts['created']} created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged"
    )


cli.add_command(
    install_command(
        unit="warehouse-central",
        placements=(
            Placement(
                "central_sync",
                "systemd/warehouse-central.service",
                "/etc/systemd/system/warehouse-central.service",
            ),
            Placement(
                "central_sync",
                "systemd/warehouse-central.sysusers",
                "/usr/lib/sysusers.d/warehouse-central.conf",
            ),
            Placement(
                "central_sync",
                "systemd/warehouse-central.tmpfiles",
                "/usr/lib/tmpfiles.d/warehouse-central.conf",
            ),
            # Its database URL and admin token: systemd reads it as root; nobody else needs to.
            Placement(
                "central_sync",
                "systemd/central.env",
                "/etc/warehouse-central/central.env",
                mode=0o600,
                keep=True,
            ),
        ),
        after=("systemd-sysusers && systemd-tmpfiles --create",),
    )
)


def main() -> None:
    cli(prog_name="warehouse-central")

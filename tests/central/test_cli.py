"""`warehouse-central`: every command explains itself; init, edges, catalog import and
import-orders work on both backends (import-orders as a real subprocess)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from central_sync.channels import (
    ChannelOrder,
    Rejected,
    channels,
    load_mapping,
    map_document,
    sample_path,
)
from central_sync.cli import cli
from central_sync.server.catalogue import ProductIn
from central_sync.server.central import Central
from tests.central.servers import run_central
from tests.docs_reference import walk

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "edge" / "examples"
DOC = ROOT / "docs" / "central.md"


COMMANDS = list(walk(cli))
IDS = [" ".join(("warehouse-central", *path)) for path, _ in COMMANDS]


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=IDS)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="warehouse-central")

    assert result.exit_code == 0, result.output
    assert result.output.startswith(" ".join(("Usage: warehouse-central", *path)))


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS if p], ids=IDS[1:])
def test_docs_mention_every_command(path: tuple[str, ...]) -> None:
    assert f"warehouse-central {' '.join(path)}" in DOC.read_text(encoding="utf-8")


def invoke(*args: str) -> Any:
    return CliRunner().invoke(
        cli, list(args), prog_name="warehouse-central", env={"WAREHOUSE_CENTRAL_ADMIN_TOKEN": None}
    )


def test_a_wrong_db_option_is_named() -> None:
    result = invoke("init", "--db", "mysql://localhost/central")

    assert result.exit_code == 2
    assert "Invalid value for '--db': scheme mysql:// is not supported" in result.output


def test_an_unreachable_database_is_a_clear_error() -> None:
    result = invoke("edges", "list", "--db", "postgresql://nobody:x@127.0.0.1:1/none")

    assert result.exit_code == 1
    assert (
        "cannot open the database postgresql://nobody:***@127.0.0.1:1/none (--db):" in result.output
    )


def test_without_a_db_a_command_refuses_to_make_a_stray_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # on the installed box WAREHOUSE_CENTRAL_DB is in the unit's env file, not the admin's shell:
    # `edges add` there made ./central.db and printed a token the running central never knew
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(
        cli, ["edges", "add", "edge-sh-01"], env={"WAREHOUSE_CENTRAL_DB": None}
    )

    assert result.exit_code == 1
    assert result.output == (
        "Error: no central database at central.db, the built-in default (no --db or"
        " WAREHOUSE_CENTRAL_DB given). On an installed box give --db the WAREHOUSE_CENTRAL_DB"
        " of /etc/warehouse-central/central.env; for a new store run `warehouse-central init`"
        " first.\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_init_prints_an_admin_token_once(db_url: str) -> None:
    first = invoke("init", "--db", db_url)
    second = invoke("init", "--db", db_url)

    assert re.search(r"admin token \(shown once, keep it safe\): \S{40,}", first.output)
    assert "an admin token exists already" in second.output and "token (shown" not in second.output


def test_edges_add_prints_a_token_and_edges_list_shows_the_edge(db_url: str) -> None:
    added = invoke("edges", "add", "edge-sh-01", "--name", "Shanghai", "--db", db_url)
    again = invoke("edges", "add", "edge-sh-01", "--db", db_url)
    listed = invoke("edges", "list", "--db", db_url)

    assert re.search(r"edge edge-sh-01 added; its token \(shown once\): \S{40,}", added.output)
    assert again.exit_code == 1 and "already registered" in again.output
    assert listed.output == (
        "edge-sh-01\tShanghai\tquiet (never heard)\thigh water none\tlast event never\n"
    )


def test_catalog_import_reads_the_edges_products_and_barcodes_csv(db_url: str) -> None:
    result = invoke(
        "catalog",
        "import",
        str(EXAMPLES / "products.csv"),
        "--barcodes",
        str(EXAMPLES / "barcodes.csv"),
        "--db",
        db_url,
    )
    central = Central(db_url)
    tea = next(p for p in central.products() if p["sku"] == "TEA-0001")
    central.close()

    assert result.output.endswith("products.csv: 5 created, 0 updated, 0 unchanged\n"), (
        result.output
    )
    assert tea == {
        "sku": "TEA-0001",
        "name": "Longjing green tea 100 g tin",
        "name_zh": "龙井绿茶 100克罐装",
        "weight_g": 160,
        "barcodes": [
            {"code": "16901234567899", "pack_qty": 12},
            {"code": "6901234567892", "pack_qty": 1},
        ],
        "category": "",
    }


def test_catalog_sample_loads_the_demo_catalogue_the_sample_exports_order_from(
    db_url: str,
) -> None:
    first = invoke("catalog", "sample", "--db", db_url)
    again = invoke("catalog", "sample", "--db", db_url)
    orders = invoke(
        "import-orders", str(sample_path("taobao")), "--channel", "taobao", "--db", db_url
    )

    assert first.output.strip() == "demo catalogue: 300 created, 0 updated, 0 unchanged"
    assert again.output.strip() == "demo catalogue: 0 created, 0 updated, 300 unchanged"
    assert "taobao.json: 10 imported (10 unassigned), 0 duplicates, 4 rejected" in orders.output


def test_a_catalogue_csv_with_a_bad_row_imports_nothing(db_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "products.csv"
    bad.write_text("sku,name,weight_g\nA-1,Apple,100\nA-2,,50\nA-3,Pear,heavy\n", encoding="utf-8")

    result = invoke("catalog", "import", str(bad), "--db", db_url)

    central = Central(db_url)
    central.open()
    assert (result.exit_code, central.products()) == (1, [])
    central.close()
    assert "products.csv line 3: name: String should have at least 1 character" in result.output
    assert "products.csv line 4: weight_g:" in result.output


def expected(
    channel: str, missing_sku: str | None
) -> tuple[list[ChannelOrder], list[Rejected], set[str]]:
    items = list(
        map_document(
            json.loads(sample_path(channel).read_text(encoding="utf-8")), load_mapping(channel)
        )
    )
    orders = [i for i in items if isinstance(i, ChannelOrder)]
    skus = {ln.sku for o in orders for ln in o.lines} - {missing_sku}
    return orders, [i for i in items if isinstance(i, Rejected)], skus


def seed_catalogue(db_url: str, skus: set[str]) -> None:
    central = Central(db_url)
    central.open()
    central.upsert_products([(s, ProductIn(name=s)) for s in sorted(skus)])
    central.close()


@pytest.mark.parametrize("channel", channels())
def test_import_orders_imports_each_channels_sample(db_url: str, channel: str) -> None:
    orders, mapping_rejects, skus = expected(channel, None)
    seed_catalogue(db_url, skus)

    first = invoke("import-orders", str(sample_path(channel)), "--channel", channel, "--db", db_url)
    second = invoke(
        "import-orders", str(sample_path(channel)), "--channel", channel, "--db", db_url
    )

    n, k = len(orders), len(mapping_rejects)
    h = sum(1 for o in orders if not (o.ship_to["name"] and o.ship_to["address"]))
    held = f", {h} held" if h else ""
    assert first.exit_code == second.exit_code == (3 if k else 0), first.output
    assert f"{n} imported ({n - h} unassigned{held}), 0 duplicates, {k} rejected" in first.output, (
        first.output
    )
    assert f"0 imported (0 unassigned), {n} duplicates, {k} rejected" in second.output


def test_import_orders_end_to_end_reports_every_rejection_and_the_rest_goes_in(db_url: str) -> None:
    orders, mapping_rejects, _ = expected("taobao", None)
    missing = orders[0].lines[0].sku
    orders, mapping_rejects, skus = expected("taobao", missing)
    seed_catalogue(db_url, skus)
    unknown = [i for i, o in enumerate(orders) if any(ln.sku == missing for ln in o.lines)]

    done = run_central(
        "import-orders", str(sample_path("taobao")), "--channel", "taobao", "--db", db_url
    )

    imported, rejected = len(orders) - len(unknown), len(mapping_rejects) + len(unknown)
    assert done.returncode == 3, done.stderr  # some refused: a script sees it
    assert done.stdout.splitlines()[-1] == (
        f"taobao.json: {imported} imported ({imported} unassigned), 0 duplicates, {rejected} rejected"
    )
    assert "importing orders" in done.stderr
    for r in mapping_rejects:
        assert (
            f"rejected: order {r.index} ({r.channel_order_id or '?'}): {r.field}: {r.reason}"
            in done.stdout
        )
    assert f"unknown SKU {missing}: not in central's catalogue" in done.stdout
    central = Central(db_url)
    assert len(central.orders(limit=1000)) == imported
    central.close()


def test_import_orders_exits_non_zero_when_every_order_was_refused(
    db_url: str, tmp_path: Path
) -> None:
    export = tmp_path / "refused.json"
    export.write_text(json.dumps({"orderList": [{"orderId": "1", "orderState": "TRADE_CANCELED"}]}))

    done = run_central("import-orders", str(export), "--channel", "jd", "--db", db_url)

    assert done.returncode == 3, done.stdout
    assert (
        done.stdout.splitlines()[-1]
        == "refused.json: 0 imported (0 unassigned), 0 duplicates, 1 rejected"
    )


def test_import_orders_exits_zero_when_every_order_went_in(db_url: str, tmp_path: Path) -> None:
    orders, _, skus = expected("jd", None)
    seed_catalogue(db_url, skus)
    document = json.loads(sample_path("jd").read_text(encoding="utf-8"))
    kept = {o.channel_order_id for o in orders}
    document["orderList"] = [o for o in document["orderList"] if str(o["orderId"]) in kept]
    export = tmp_path / "clean.json"
    export.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    done = run_central("import-orders", str(export), "--channel", "jd", "--db", db_url)

    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines()[-1].endswith(", 0 duplicates, 0 rejected")


def test_import_orders_names_an_unknown_channel(db_url: str) -> None:
    result = invoke("import-orders", str(sample_path("jd")), "--channel", "nowhere", "--db", db_url)

    assert result.exit_code == 1
    assert "--channel nowhere:" in result.output


def test_catalog_import_takes_a_category_for_the_return_policy(db_url: str, tmp_path: Path) -> None:
    csv_file = tmp_path / "products.csv"
    csv_file.write_text("sku,name,category\nTEA-9,Tea,tea\nSNK-9,Snack,food\n", encoding="utf-8")

    result = invoke("catalog", "import", str(csv_file), "--db", db_url)

    central = Central(db_url)
    found = {p["sku"]: p["category"] for p in central.products()}
    central.close()
    assert result.exit_code == 0, result.output
    assert found == {"SNK-9": "food", "TEA-9": "tea"}


def test_a_channel_push_url_that_is_not_http_stops_central_naming_the_variable(
    tmp_path: Path,
) -> None:
    result = CliRunner().invoke(
        cli,
        ["edges", "list", "--db", f"sqlite:///{tmp_path / 'c.db'}"],
        prog_name="warehouse-central",
        env={"WAREHOUSE_CENTRAL_TAOBAO_PUSH_URL": "eco.taobao.com/router/rest"},
    )

    assert result.exit_code == 1
    assert "WAREHOUSE_CENTRAL_TAOBAO_PUSH_URL must be an http:// or https:// URL" in result.output


def test_a_merge_window_that_is_not_seconds_stops_central_naming_the_variable(
    tmp_path: Path,
) -> None:
    result = CliRunner().invoke(
        cli,
        ["edges", "list", "--db", f"sqlite:///{tmp_path / 'c.db'}"],
        prog_name="warehouse-central",
        env={"WAREHOUSE_CENTRAL_SHOPIFY_MERGE_WINDOW_S": "5 minutes"},
    )

    assert result.exit_code == 1
    assert (
        "WAREHOUSE_CENTRAL_SHOPIFY_MERGE_WINDOW_S must be seconds from 0 (off) to 86400,"
        " not '5 minutes'" in result.output
    )


def test_import_orders_takes_amazons_get_order_with_its_companions_and_names_a_strangers_page(
    db_url: str,
) -> None:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "channels"
    seed_catalogue(db_url, ["NABetaASINB00551Q3CS"])
    order = str(fixtures / "amazon_getOrder.json")
    withs = ["amazon_getOrderItems.json", "amazon_getOrderAddress.json"]
    withs += ["amazon_getOrderBuyerInfo.json"]

    taken = invoke(
        "import-orders", order, "--channel", "amazon", "--db", db_url,
        *(a for w in withs for a in ("--with", str(fixtures / w))),
    )  # fmt: skip
    page = fixtures / "amazon_getOrderItems_example.json"  # another order's page, with a NextToken
    paged = invoke(
        "import-orders", str(fixtures / "amazon_getOrders_example.json"), "--channel", "amazon",
        "--db", db_url, "--with", str(page),
    )  # fmt: skip

    assert taken.exit_code == 0, taken.output
    assert "held: order 0 (902-1845936-5435065): the buyer asked amazon to cancel" in taken.output
    assert "1 imported (0 unassigned, 1 held), 0 duplicates, 0 rejected" in taken.output
    assert paged.exit_code == 1
    assert "--with: companion 1: no order AmazonOrderId '903-1671087-0812628'" in paged.output


def test_import_orders_of_an_order_again_with_a_new_ship_to_says_address_updated(
    db_url: str,
) -> None:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "channels"
    seed_catalogue(db_url, ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"])
    first = str(fixtures / "shopify_orders_2026_07.json")
    update = str(fixtures / "shopify_order_address_updated.json")  # shopify-api-ruby test_33
    assert invoke("import-orders", first, "--channel", "shopify", "--db", db_url).exit_code == 0

    moved = invoke("import-orders", update, "--channel", "shopify", "--db", db_url)
    again = invoke("import-orders", update, "--channel", "shopify", "--db", db_url)

    assert moved.exit_code == 0, moved.output
    assert "updated: order 0 (450789469): address updated from shopify (Bob Norman, 123 Ship" in (
        moved.output
    )
    assert "0 imported (0 unassigned), 1 updated, 0 duplicates, 0 rejected" in moved.output
    assert "0 imported (0 unassigned), 1 duplicates, 0 rejected" in again.output

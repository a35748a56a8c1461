# Channel order mappings: the shipped samples, every transform, broken mapping files, a channel
# added as a file only, and a property that mapping never raises on whatever JSON arrives.
import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from central_sync.channels import (
    ChannelLine,
    ChannelOrder,
    Mapping,
    MappingError,
    Rejected,
    channels,
    load_mapping,
    map_document,
    sample_path,
)
from central_sync.channels.transform import Bad, compile_step
from edge.demo import data as demo


def mapped(channel: str) -> list[ChannelOrder | Rejected]:
    document = json.loads(sample_path(channel).read_text(encoding="utf-8"))
    return list(map_document(document, load_mapping(channel)))


def write_mapping(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the shipped channels ------------------------------------------------------------------------


def test_four_channels_are_shipped_each_with_a_sample_export() -> None:
    names = channels()

    assert names == ["amazon", "jd", "shopify", "taobao"]
    assert [sample_path(n).name for n in names] == [f"{n}.json" for n in names]


SAMPLES = [
    (
        "taobao",
        10,
        [
            (
                4,
                "3791206769590503361",
                "trades[4].status",
                "status 'TRADE_CLOSED' is not ready to ship",
            ),
            (6, "3791212936457077436", "trades[6].orders[0].num", "quantity must be 1 or more: 0"),
            (
                9,
                "3791212259266008485",
                "trades[9].status",
                "status 'WAIT_BUYER_PAY' is not ready to ship",
            ),
            (11, "3791208054909214289", "trades[11].orders[1].outer_sku_id", "missing"),
        ],
    ),
    (
        "jd",
        9,
        [
            (
                3,
                "301871209061",
                "orderList[3].itemInfoList[2].itemTotal",
                "not a whole number: '2件'",
            ),
            (
                5,
                "301987191219",
                "orderList[5].orderState",
                "status 'TRADE_CANCELED' is not ready to ship",
            ),
            (
                9,
                "301998922385",
                "orderList[9].orderStartTime",
                "not a date in the form %Y-%m-%d %H:%M:%S: '2026/11/20 16:15'",
            ),
        ],
    ),
    (
        "shopify",
        9,
        [
            (
                5,
                "5812345600748",
                "orders[5].cancelled_at",
                "status 'cancelled' is not ready to ship",
            ),
            (
                7,
                "5812345600983",
                "orders[7].line_items[1].sku",
                "missing (the line 'Gift wrapping')",
            ),
            (
                10,
                "5812345601451",
                "orders[10].financial_status",
                "status 'pending' is not ready to ship",
            ),
        ],
    ),
    (
        "amazon",
        10,
        [  # 113-1662450-2584814 has no ShippingAddress.Name: mapped, held at central
            (
                4,
                "113-4783998-1926089",
                "payload.Orders[4].OrderStatus",
                "status 'Pending' is not ready to ship",
            ),
            (
                8,
                "113-3873066-6530212",
                "payload.Orders[8].OrderStatus",
                "status 'Canceled' is not ready to ship",
            ),
            (
                11,
                "113-6585896-9725692",
                "payload.Orders[11].FulfillmentChannel",
                "status 'fulfilled by Amazon' is not ready to ship",
            ),
        ],
    ),
]


@pytest.mark.parametrize(("channel", "accepted", "rejected"), SAMPLES)
def test_a_shipped_sample_maps_every_good_order_and_rejects_the_bad_ones_with_field_and_reason(
    channel: str, accepted: int, rejected: list[tuple[int, str, str, str]]
) -> None:
    items = mapped(channel)

    assert sum(isinstance(i, ChannelOrder) for i in items) == accepted
    assert [i for i in items if isinstance(i, Rejected)] == [Rejected(*r) for r in rejected]
    assert all(i.channel == channel for i in items if isinstance(i, ChannelOrder))


WHOLE_ORDERS = [
    (
        "taobao",
        1,
        ChannelOrder(
            channel="taobao",
            channel_order_id="3791209974455310364",
            lines=(ChannelLine("PHN-0048", 3), ChannelLine("STA-0034", 2)),
            ordered_at="2026-11-20T08:15:00Z",  # "2026-11-20 16:15:00" in China time
            customer_ref="小华爱喝茶",
            ship_to={
                "name": "李华",
                "phone": "18196170357",
                "country": "CN",
                "province": "浙江省",
                "city": "杭州市",
                "district": "西湖区",
                "address": "文三路478号华星时代广场A座1203室",
                "postcode": "310013",
            },
            service="express",
            currency="CNY",
            total="134.50",
            buyer_note="请尽快发货，谢谢",
        ),
    ),
    (
        "jd",
        1,
        ChannelOrder(
            channel="jd",
            channel_order_id="301319609955",
            lines=(ChannelLine("STA-0030", 2),),
            ordered_at="2026-11-18T17:28:07Z",  # "2026-11-19 01:28:07" in China time: the day before
            priority=1,
            customer_ref="jd_574cac40",
            ship_to={
                "name": "林小雨",
                "phone": "13860554012",
                "country": "CN",
                "province": "广东",
                "city": "深圳市",
                "district": "南山区",
                "address": "广东深圳市南山区粤海街道科技南十二路2号金蝶软件园A座",
                "postcode": "",
            },
            service="211",
            currency="CNY",
            total="65.80",
            seller_note="老客户，送小样",
        ),
    ),
    (
        "shopify",
        2,
        ChannelOrder(
            channel="shopify",
            channel_order_id="5812345600302",
            lines=(ChannelLine("STA-0037", 1),),
            ordered_at="2026-11-20T20:03:44Z",
            priority=1,
            customer_ref="sophie.mueller@example.de",
            ship_to={
                "name": "Sophie Müller",
                "phone": "+49 30 1234567",
                "country": "DE",
                "province": "BE",
                "city": "Berlin",
                "district": "",
                "address": "Torstraße 12",
                "postcode": "10119",
            },
            service="express",
            currency="EUR",
            total="12.62",
        ),
    ),
    (
        "amazon",
        1,
        ChannelOrder(
            channel="amazon",
            channel_order_id="113-2814586-7062785",
            lines=(ChannelLine("TEA-0002", 2), ChannelLine("STA-0014", 1)),
            ordered_at="2026-11-19T00:47:05Z",
            priority=1,
            ship_by="2026-11-20T07:59:59Z",
            customer_ref="34e4114bb228e@marketplace.amazon.com",
            ship_to={
                "name": "John Smith",
                "phone": "+1 512-555-0199",
                "country": "US",
                "province": "TX",
                "city": "Austin",
                "district": "",
                "address": "456 Oak Ave",
                "postcode": "78701",
            },
            service="expedited",
            currency="USD",
            total="66.38",
        ),
    ),
]


@pytest.mark.parametrize(("channel", "index", "expected"), WHOLE_ORDERS)
def test_an_order_of_each_channel_maps_to_the_whole_internal_order(
    channel: str, index: int, expected: ChannelOrder
) -> None:
    order = mapped(channel)[index]

    assert order == expected


@pytest.mark.parametrize(
    ("channel", "index", "key", "expected"),
    [
        ("taobao", 2, "phone", "010-65881234"),  # no mobile: the landline is the fallback
        ("shopify", 0, "address", "14 Rue de Rivoli, Appartement 3B"),  # address1 + address2
        ("shopify", 3, "postcode", "LS1 5HD"),  # typed in lower case by the buyer
        ("amazon", 0, "address", "123 Main St, Apt 4B"),
    ],
)
def test_ship_to_fields_combine_and_fall_back_as_the_mapping_says(
    channel: str, index: int, key: str, expected: str
) -> None:
    order = mapped(channel)[index]

    assert isinstance(order, ChannelOrder)
    assert order.ship_to[key] == expected


def test_every_sample_sku_is_in_the_demo_catalogue_and_not_lot_tracked() -> None:
    catalogue = {p["sku"]: p for p in demo.products(random.Random(demo.SEED))}

    skus = {
        line.sku
        for c in channels()
        for o in mapped(c)
        if isinstance(o, ChannelOrder)
        for line in o.lines
    }

    assert skus <= catalogue.keys()
    assert [s for s in sorted(skus) if catalogue[s]["lot_tracked"]] == []
    assert {
        line.qty
        for c in channels()
        for o in mapped(c)
        if isinstance(o, ChannelOrder)
        for line in o.lines
    } <= {1, 2, 3}


def test_an_order_to_json_is_a_plain_dict_with_lines_as_a_list() -> None:
    order = ChannelOrder(
        "jd", "JD-1", (ChannelLine("TEA-0001", 2, "L1"),), ship_to={"name": "李华"}
    )

    data = order.to_json()

    assert data == {
        "channel": "jd",
        "channel_order_id": "JD-1",
        "lines": [{"sku": "TEA-0001", "qty": 2, "lot": "L1", "refunded": 0, "status": "open"}],
        "ordered_at": None,
        "priority": 0,
        "ship_by": None,
        "customer_ref": "",
        "ship_to": {"name": "李华"},
        "carrier": "",
        "service": "",
        "currency": "",
        "total": "",
        "buyer_note": "",
        "seller_note": "",
    }
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


# --- transforms, each on its own -----------------------------------------------------------------

TRANSFORMS = [
    ("strip", "  TEA-0001 ", "TEA-0001"),
    ("strip", 1001, 1001),
    ("upper", "tea-0001", "TEA-0001"),
    ("int", "2", 2),
    ("int", " 3 ", 3),
    ("int", 2.0, 2),
    ("int", None, None),
    ("decimal", "128.00", "128.00"),
    ("decimal", 128, "128"),
    ("decimal", 12.5, "12.5"),
    ("decimal", "1E+2", "100"),
    ("first", ["", None, "010-65881234", "x"], "010-65881234"),
    ("first", [], None),
    ("first", "only", "only"),
    ("last", ["Emma", "Clarke", ""], "Clarke"),
    ({"split": ","}, "a, b,,c ", ["a", "b", "c"]),
    ({"split": ""}, " Emma  Clarke ", ["Emma", "Clarke"]),
    ({"split": "("}, "Express (next day)", ["Express", "next day)"]),
    ({"join": ", "}, ["12 Park Row", None, "", "Flat 4"], "12 Park Row, Flat 4"),
    ({"join": " "}, [None, ""], None),
    ({"join": "-"}, ["A", 7], "A-7"),
    ({"date": "%Y-%m-%d %H:%M:%S", "tz": "+08:00"}, "2026-11-20 16:15:00", "2026-11-20T08:15:00Z"),
    (
        {"date": "%Y-%m-%d %H:%M:%S", "tz": "Asia/Shanghai"},
        "2026-11-20 16:15:00",
        "2026-11-20T08:15:00Z",
    ),
    ({"date": "%d/%m/%Y %H:%M", "tz": "Europe/London"}, "01/07/2026 09:00", "2026-07-01T08:00:00Z"),
    ({"date": "%Y-%m-%d %H:%M:%S"}, "2026-11-20 16:15:00", "2026-11-20T16:15:00Z"),
    ({"date": "iso"}, "2026-11-20T09:15:00+01:00", "2026-11-20T08:15:00Z"),
    ({"date": "iso"}, "2026-11-20T08:15:00.250Z", "2026-11-20T08:15:00Z"),
    ({"date": "iso", "tz": "+08:00"}, "2026-11-20T16:15:00", "2026-11-20T08:15:00Z"),
    ({"map": {"true": 1, "false": 0}}, True, 1),
    ({"map": {"null": "open"}, "else": "cancelled"}, None, "open"),
    ({"map": {"null": "open"}, "else": "cancelled"}, "2026-11-20T15:02:11+01:00", "cancelled"),
    ({"map": {"1": "waiting"}}, 1, "waiting"),
    ({"map": {"Std": "standard"}}, "Std", "standard"),
    ({"labels": ["gift", "url"]}, ["For you!", None], "gift: For you!"),
    ({"labels": ["gift", "gift", "url"]}, ["Hi", "Hi", "https://x"], "gift: Hi; url: https://x"),
    ({"labels": ["gift"]}, [""], None),
    ({"has": "PRIME"}, ["AMAZON_BUSINESS", "PRIME"], True),
    ({"has": "PRIME"}, [], False),
    ({"has": "PRIME"}, False, False),  # v0's IsPrime passes
]


@pytest.mark.parametrize(("step", "value", "expected"), TRANSFORMS)
def test_a_transform_turns_a_value_into_the_expected_one(
    step: Any, value: Any, expected: Any
) -> None:
    result = compile_step(step)(value)

    assert result == expected


REFUSALS = [
    ("int", "two", "not a whole number: 'two'"),
    ("int", 2.5, "not a whole number: 2.5"),
    ("int", True, "not a whole number: true"),
    ("int", "9" * 30, "not a whole number: '999999999999999999999999999999'"),
    ("decimal", "12,50", "not a decimal number: '12,50'"),
    ("decimal", "NaN", "not a decimal number: 'NaN'"),
    ("decimal", [1], "not a decimal number: [1]"),
    ({"split": ","}, 3, "not text: 3"),
    ({"join": " "}, [{"a": 1}], 'not text: [{"a": 1}]'),
    (
        {"date": "%Y-%m-%d %H:%M:%S", "tz": "+08:00"},
        "2026/11/20 16:15",
        "not a date in the form %Y-%m-%d %H:%M:%S: '2026/11/20 16:15'",
    ),
    ({"date": "iso"}, "yesterday", "not an ISO 8601 date: 'yesterday'"),
    ({"date": "iso"}, 1763626500, "not text: 1763626500"),
    ({"map": {"Std": "standard"}}, "Overnight", "unknown value 'Overnight'"),
    ({"map": {"Std": "standard"}}, "x" * 50, "unknown value '" + "x" * 39 + "…'"),
    ({"labels": ["gift", "url"]}, ["For you!"], "2 labels for 1 values"),
    ({"labels": ["gift"]}, [{"a": 1}], 'not text: {"a": 1}'),
]


@pytest.mark.parametrize(("step", "value", "reason"), REFUSALS)
def test_a_transform_refuses_a_value_it_cannot_take_with_a_reason(
    step: Any, value: Any, reason: str
) -> None:
    with pytest.raises(Bad) as refused:
        compile_step(step)(value)

    assert str(refused.value) == reason


# --- field specs through a small mapping ---------------------------------------------------------

SMALL = """
orders = "orders"
[[ready]]
from = "state"
ship = ["paid", 1]
hold = ["closed"]
[order]
channel_order_id = "id"
priority = { from = "rush", do = [{ map = { true = 1 } }], default = 0 }
currency = { const = "CNY" }
customer_ref = { from = "buyer", default = "guest" }
carrier = { from = "carrier", required = true }
[ship_to]
address = { from = ["a1", "a2"], do = [{ join = " " }] }
[lines]
from = "items"
sku = "sku"
qty = "n"
lot = "lot"
"""
NO_SHIP_TO = dict.fromkeys(
    ["name", "phone", "country", "province", "city", "district", "address", "postcode"], ""
)
GOOD = {"id": 7, "state": "paid", "carrier": "SF", "items": [{"sku": "TEA-0001", "n": "2"}]}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {},
            ChannelOrder(
                "small",
                "7",
                (ChannelLine("TEA-0001", 2),),
                currency="CNY",
                customer_ref="guest",
                carrier="SF",
                ship_to=NO_SHIP_TO,
            ),
        ),
        (
            {
                "state": 1,
                "rush": True,
                "buyer": "",
                "a1": "1 Road",
                "a2": None,
                "items": [{"sku": "TEA-0001", "n": 1, "lot": "L7"}],
            },
            ChannelOrder(
                "small",
                "7",
                (ChannelLine("TEA-0001", 1, "L7"),),
                priority=1,
                currency="CNY",
                customer_ref="guest",
                carrier="SF",
                ship_to=NO_SHIP_TO | {"address": "1 Road"},
            ),
        ),
        ({"id": None}, Rejected(0, None, "orders[0].id", "missing")),
        ({"id": 7.5}, Rejected(0, None, "orders[0].id", "not text: 7.5")),
        (
            {"state": "closed"},
            Rejected(0, "7", "orders[0].state", "status 'closed' is not ready to ship"),
        ),
        ({"state": "lost"}, Rejected(0, "7", "orders[0].state", "unknown status 'lost'")),
        ({"state": None}, Rejected(0, "7", "orders[0].state", "missing")),
        ({"carrier": ""}, Rejected(0, "7", "orders[0].carrier", "missing")),
        ({"rush": "yes"}, Rejected(0, "7", "orders[0].rush", "unknown value 'yes'")),
        ({"items": []}, Rejected(0, "7", "orders[0].items", "no lines")),
        ({"items": None}, Rejected(0, "7", "orders[0].items", "missing")),
        ({"items": {"sku": "TEA-0001"}}, Rejected(0, "7", "orders[0].items", "not a list")),
        ({"items": ["TEA-0001"]}, Rejected(0, "7", "orders[0].items[0]", "not an object")),
        (
            {"items": [{"sku": "TEA-0001", "n": "two"}]},
            Rejected(0, "7", "orders[0].items[0].n", "not a whole number: 'two'"),
        ),
        (
            {"items": [{"sku": "TEA-0001", "n": -1}]},
            Rejected(0, "7", "orders[0].items[0].n", "quantity must be 1 or more: -1"),
        ),
        (
            {"items": [{"sku": ["TEA-0001"], "n": 1}]},
            Rejected(0, "7", "orders[0].items[0].sku", 'not text: ["TEA-0001"]'),
        ),
    ],
)
def test_a_field_spec_takes_constants_defaults_and_requirements_and_names_what_is_wrong(
    tmp_path: Path, changes: dict[str, Any], expected: ChannelOrder | Rejected
) -> None:
    mapping = load_mapping(write_mapping(tmp_path, SMALL, "small.toml"))

    items = list(map_document({"orders": [GOOD | changes]}, mapping))

    assert items == [expected]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({}, [Rejected(-1, None, "orders", "missing (is this export from small?)")]),
        ([1, 2], [Rejected(-1, None, "orders", "missing (is this export from small?)")]),
        ({"orders": {"id": 1}}, [Rejected(0, "1", "orders.state", "missing")]),  # one order
        (
            {"orders": "x"},
            [Rejected(-1, None, "orders", "not a list (is this export from small?)")],
        ),
        ({"orders": []}, []),
        ({"orders": [3, GOOD]}, [Rejected(0, None, "orders[0]", "not an object"), "an order"]),
    ],
)
def test_a_document_without_its_list_of_orders_is_rejected_once_else_order_by_order(
    tmp_path: Path, document: Any, expected: list[Any]
) -> None:
    mapping = load_mapping(write_mapping(tmp_path, SMALL, "small.toml"))

    items = list(map_document(document, mapping))

    assert [i if isinstance(i, Rejected) else "an order" for i in items] == expected


def test_the_rest_of_a_file_goes_in_after_a_bad_order() -> None:
    document = {
        "trades": [
            {"tid": 1},
            {"oops": True},
            *json.loads(sample_path("taobao").read_text())["trades"][:2],
        ]
    }

    items = list(map_document(document, load_mapping("taobao")))

    assert [type(i).__name__ for i in items] == [
        "Rejected",
        "Rejected",
        "ChannelOrder",
        "ChannelOrder",
    ]
    assert items[:2] == [
        Rejected(0, "1", "trades[0].status", "missing"),
        Rejected(1, None, "trades[1].tid", "missing"),
    ]


# --- broken mapping files ------------------------------------------------------------------------

MINIMAL = """orders = "trades"
[order]
channel_order_id = "tid"
[lines]
from = "orders"
sku = "sku"
qty = "num"
"""
KNOWN = "strip, upper, int, decimal, first, last, pairs, split, join, date, map, labels, has"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            MINIMAL.replace('qty = "num"', 'qty = { from = "num", do = ["integer"] }'),
            f"lines.qty.do: unknown transform 'integer' (known: {KNOWN})",
        ),
        (
            MINIMAL.replace(
                'qty = "num"', 'qty = { from = "num", do = [{ date = "iso", tz = "China" }] }'
            ),
            "lines.qty.do: unknown time zone 'China' (write '+08:00' or 'Asia/Shanghai')",
        ),
        (
            MINIMAL.replace('qty = "num"', 'qty = { from = "num", do = [{ split = 1 }] }'),
            "lines.qty.do: split takes a string",
        ),
        (
            MINIMAL.replace('qty = "num"', 'qty = { from = "num", do = [{ labels = [] }] }'),
            "lines.qty.do: labels takes a list of texts, one per path in `from`",
        ),
        (
            MINIMAL.replace('qty = "num"', 'qty = { from = "num", do = [{ labels = "gift" }] }'),
            "lines.qty.do: labels takes a list",
        ),
        (
            MINIMAL + '[merge]\npayload = "payload"\nid = "tid"\nlines_call = 3\n',
            'merge.lines_call: must be text (the call\'s name: "getOrderItems")',
        ),
        (
            MINIMAL.replace(
                'qty = "num"', 'qty = { from = "num", do = [{ join = ",", sep = "" }] }'
            ),
            "lines.qty.do: join takes no option sep",
        ),
        (
            MINIMAL.replace('qty = "num"', 'qty = { from = "num", do = "int" }'),
            "lines.qty.do: must be a list of transforms",
        ),
        (
            MINIMAL.replace('orders = "trades"\n', ""),
            'orders: missing (a dotted path such as "trades" or "payload.Orders")',
        ),
        (
            MINIMAL.replace('"trades"', '"trades..x"'),
            "orders: not a path: 'trades..x' (write it like \"a.b[0].c\")",
        ),
        (
            MINIMAL.replace('from = "orders"\n', ""),
            'lines.from: missing (a dotted path such as "trades" or "payload.Orders")',
        ),
        (MINIMAL.replace('sku = "sku"\n', ""), "lines.sku: missing (this field is required)"),
        (
            MINIMAL + '[ship_to]\nzip = "zip"\n',
            "ship_to.zip: unknown key (expected one of: name, phone, country, province, city, "
            "district, address, postcode)",
        ),
        (
            MINIMAL.replace('channel_order_id = "tid"', 'channel_order_id = "tid"\ntotl = "x"'),
            "order.totl: unknown key (expected one of: channel_order_id, ordered_at, ship_by, "
            "customer_ref, carrier, service, currency, total, buyer_note, seller_note, priority)",
        ),
        (
            MINIMAL.replace('sku = "sku"', 'sku = { from = "sku", const = "X" }'),
            "lines.sku: give a path, or a table with either `from` or `const`",
        ),
        (
            MINIMAL.replace('sku = "sku"', 'sku = { from = "sku", defualt = "X" }'),
            "lines.sku.defualt: unknown key (expected one of: from, const, do, default, required)",
        ),
        (
            MINIMAL + '[[ready]]\nfrom = "status"\nhold = ["X"]\n',
            "ready[0].ship: `ship` and `hold` must be lists of values, `ship` not empty",
        ),
        ('ready = "status"\n' + MINIMAL, "ready: must be a list of tables ([[ready]])"),
        ("channel = 3\n" + MINIMAL, "channel: must be a non-empty string"),
        ("lines = 3\n" + MINIMAL.split("[order]")[0], "lines: must be a table"),
        (
            'chanel = "x"\n' + MINIMAL,
            "chanel: unknown key (expected one of: channel, orders, ready, order, ship_to, lines, refunds, merge)",
        ),
    ],
)
def test_a_broken_mapping_file_is_refused_naming_the_file_and_the_key(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = write_mapping(tmp_path, text)

    with pytest.raises(MappingError) as refused:
        load_mapping(path)

    assert str(refused.value) == f"{path}: {problem}"


def test_a_mapping_file_that_is_not_toml_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = write_mapping(tmp_path, 'orders = "trades\n')

    with pytest.raises(MappingError) as refused:
        load_mapping(path)

    assert str(refused.value).startswith(f"{path}: not valid TOML: ")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("ebay", "no channel mapping 'ebay' (shipped: amazon, jd, shopify, taobao)"),
        ("/nowhere/ebay.toml", "/nowhere/ebay.toml: cannot read: No such file or directory"),
    ],
)
def test_an_unknown_channel_name_or_a_missing_file_is_refused(name: str, problem: str) -> None:
    with pytest.raises(MappingError) as refused:
        load_mapping(name)

    assert str(refused.value) == problem


def test_a_sample_of_an_unknown_channel_is_refused() -> None:
    with pytest.raises(MappingError) as refused:
        sample_path("ebay")

    assert (
        str(refused.value)
        == "no sample export for channel 'ebay' (shipped: amazon, jd, shopify, taobao)"
    )


# --- a new channel is a new file -----------------------------------------------------------------

PINDUODUO = """
# Pinduoduo (拼多多): order_status 1 waits for shipping, 2 shipped, 3 received; not ready: rejected.
orders = "order_list"

[[ready]]
from = "order_status"
ship = [1]
hold = [2, 3]

[order]
channel_order_id = "order_sn"
ordered_at = { from = "confirm_time", do = [{ date = "%Y-%m-%d %H:%M:%S", tz = "+08:00" }] }
currency = { const = "CNY" }
total = { from = "pay_amount", do = ["decimal"] }

[ship_to]
name = { from = "receiver_name", required = true }
country = { const = "CN" }
province = "province"
city = "city"
district = "town"
address = { from = ["address", "address_extra"], do = [{ join = " " }] }

[lines]
from = "item_list"
sku = { from = "outer_id", do = ["strip", "upper"] }
qty = "goods_count"
"""


def test_a_new_channel_is_only_a_mapping_file(tmp_path: Path) -> None:
    path = write_mapping(tmp_path, PINDUODUO, "pinduoduo.toml")
    document = {
        "order_list": [
            {
                "order_sn": "231120-0815",
                "order_status": 1,
                "confirm_time": "2026-11-20 16:15:00",
                "pay_amount": 59.8,
                "receiver_name": "刘洋",
                "province": "广东省",
                "city": "深圳市",
                "town": "南山区",
                "address": "科苑路15号",
                "address_extra": "3号楼",
                "item_list": [{"outer_id": "tea-0001 ", "goods_count": 2}],
            },
            {"order_sn": "231120-0816", "order_status": 2, "item_list": []},
        ]
    }

    items = list(map_document(document, load_mapping(path)))

    assert items == [
        ChannelOrder(
            channel="pinduoduo",
            channel_order_id="231120-0815",
            lines=(ChannelLine("TEA-0001", 2),),
            ordered_at="2026-11-20T08:15:00Z",
            currency="CNY",
            total="59.8",
            ship_to={
                "name": "刘洋",
                "phone": "",
                "country": "CN",
                "province": "广东省",
                "city": "深圳市",
                "district": "南山区",
                "address": "科苑路15号 3号楼",
                "postcode": "",
            },
        ),
        Rejected(1, "231120-0816", "order_list[1].order_status", "status 2 is not ready to ship"),
    ]
    assert "pinduoduo" not in channels()


# --- mapping never raises ------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**20),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            "2",
            "0",
            "two",
            "12.50",
            "2026-11-20 16:15:00",
            "2026-11-20T08:15:00Z",
            "WAIT_SELLER_SEND_GOODS",
            "WAIT_SELLER_STOCK_OUT",
            "paid",
            "Unshipped",
            "MFN",
            "TEA-0001",
            "Std US D2D Dom",
            "211限时达",
            "Express (next day)",
        ]
    ),
)


def keys_of(mapping: Mapping) -> list[str]:
    """Every key name the mapping reads, so generated orders reach deep into its paths."""
    sources = [
        *mapping.ready,
        *mapping.order.values(),
        *mapping.ship_to.values(),
        *mapping.line.values(),
    ]
    names = {p for s in sources for path in s.paths for p in path if isinstance(p, str)}
    return sorted(names | {p for path in mapping.lines for p in path if isinstance(p, str)})


def spots(data: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in a JSON value, to overwrite one of them."""
    pairs = list(data.items()) if isinstance(data, dict) else list(enumerate(data))
    return [(data, k) for k, _ in pairs] + [
        s for _, v in pairs if isinstance(v, dict | list) for s in spots(v)
    ]


def wrapped(path: tuple[str | int, ...], orders: Any) -> Any:
    for part in reversed(path):
        orders = {part: orders}
    return orders


def documents(channel: str, mapping: Mapping) -> st.SearchStrategy[Any]:
    """Any JSON; a list of orders of any JSON at the mapping's path; real orders with 1-3 values
    replaced by any JSON."""
    key = st.one_of(st.sampled_from(keys_of(mapping)), st.text(max_size=5))
    values = st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(key, inner, max_size=6),
        max_leaves=25,
    )
    orders = st.lists(st.dictionaries(key, values, max_size=12) | values, max_size=4)
    real = json.loads(sample_path(channel).read_text(encoding="utf-8"))
    path = next(p for p in mapping.orders if p[0] in real)  # the sample's shape of the export
    for part in path:
        real = real[part]

    @st.composite
    def mutated(draw: st.DrawFn) -> Any:
        order = copy.deepcopy(draw(st.sampled_from(real)))
        for _ in range(draw(st.integers(1, 3))):
            container, where = draw(st.sampled_from(spots(order)))
            container[where] = draw(values)
        return wrapped(path, [order])

    return st.one_of(values, orders.map(lambda o: wrapped(path, o)), mutated())


@pytest.mark.parametrize("channel", ["taobao", "jd", "shopify", "amazon"])
def test_mapping_never_raises_on_any_json_and_yields_only_orders_or_rejections(
    channel: str,
) -> None:
    mapping = load_mapping(channel)

    @settings(max_examples=100, deadline=None)
    @given(documents(channel, mapping))
    def check(document: Any) -> None:
        items = list(map_document(document, mapping))

        for item in items:
            assert isinstance(item, ChannelOrder | Rejected)
            if isinstance(item, ChannelOrder):
                assert item.lines and all(line.qty >= 1 for line in item.lines)
                json.dumps(item.to_json())

    check()

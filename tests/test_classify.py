from dataclasses import dataclass, field
from datetime import date

import pytest

from edge.domain.classify import (
    COMMANDS,
    Classified,
    ContainerHit,
    Directory,
    ProductHit,
    classify,
)
from edge.domain.errors import EdgeError
from edge.domain.scan import parse_scan

GS = "\x1d"
GTIN = "09506000134352"  # GS1 example GTIN (GS1 Digital Link standard)
SSCC = "106141412345678908"  # GS1 General Specifications §3.3.1, AI (00)


@dataclass
class DictDirectory:
    """The edge's data in dicts: a real, in-memory implementation of the Directory protocol."""

    products: dict[str, ProductHit] = field(default_factory=dict)
    locations: set[str] = field(default_factory=set)
    containers: dict[str, ContainerHit] = field(default_factory=dict)
    orders: dict[str, str] = field(default_factory=dict)
    parcels: dict[str, str] = field(default_factory=dict)
    rmas: set[str] = field(default_factory=set)
    badges: dict[str, int] = field(default_factory=dict)

    def product_by_barcode(self, code: str) -> ProductHit | None:
        return self.products.get(code)

    def location(self, code: str) -> str | None:
        return code if code in self.locations else None

    def container(self, code: str) -> ContainerHit | None:
        return self.containers.get(code)

    def order(self, code: str) -> str | None:
        return self.orders.get(code)

    def parcel_by_tracking(self, code: str) -> str | None:
        return self.parcels.get(code)

    def rma(self, code: str) -> str | None:
        return code if code in self.rmas else None

    def operator_by_badge(self, code: str) -> int | None:
        return self.badges.get(code)


def floor() -> DictDirectory:
    return DictDirectory(
        products={
            GTIN: ProductHit("SKU-MUG", 1, GTIN),
            "19506000134359": ProductHit("SKU-MUG", 6, "19506000134359"),
            "INT-0042": ProductHit("SKU-BOLT", 10, "INT-0042"),
        },
        locations={"A-01-02"},
        containers={
            "TOTE-17": ContainerHit("TOTE-17", "tote"),
            SSCC: ContainerHit("PAL-9", "pallet"),
        },
        orders={"SO-1001": "order-1"},
        parcels={"1Z999AA10123456784": "parcel-7"},
        rmas={"RMA-55"},
        badges={"B-0007": 7},
    )


def test_the_directory_in_the_tests_is_a_directory() -> None:
    directory: Directory = floor()

    assert directory.location("A-01-02") == "A-01-02"


@pytest.mark.parametrize(
    ("raw", "kind", "key"),
    [
        ("A-01-02", "location", "A-01-02"),
        ("]C0A-01-02", "location", "A-01-02"),
        ("TOTE-17", "container", "TOTE-17"),
        (f"]C100{SSCC}", "container", "PAL-9"),
        (SSCC, "container", "PAL-9"),  # a bare SSCC is looked up as the raw code
        ("9506000134352", "product", "SKU-MUG"),  # EAN-13 of a GTIN-14 key
        (f"]C101{GTIN}", "product", "SKU-MUG"),
        ("INT-0042", "product", "SKU-BOLT"),  # a non-GTIN barcode by its raw key
        ("SO-1001", "order", "order-1"),
        ("1Z999AA10123456784", "parcel", "parcel-7"),
        ("RMA-55", "rma", "RMA-55"),
        ("B-0007", "badge", "7"),
        ("CMD:CONFIRM", "command", "CONFIRM"),
    ],
)
def test_each_kind_of_label_is_recognised(raw: str, kind: str, key: str) -> None:
    classified = classify(parse_scan(raw), floor())

    assert (classified.kind, classified.key) == (kind, key)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_barcode_is_recognised_with_any_prefix(name: str) -> None:
    scan = parse_scan(f"#{name}")

    classified = classify(scan, floor(), command_prefix="#")

    assert classified == Classified("command", name, scan)


def test_a_gs1_product_label_carries_lot_expiry_serial_and_pack_quantity() -> None:
    scan = parse_scan(f"]C101{GTIN}17270500" + f"10LOT7{GS}21SN9")

    classified = classify(scan, floor())

    assert classified == Classified(
        "product", "SKU-MUG", scan, quantity=1, lot="LOT7", expiry=date(2027, 5, 31), serial="SN9"
    )


@pytest.mark.parametrize(
    ("raw", "quantity"),
    [
        ("19506000134359", 6),  # one case of 6
        (f"]C10119506000134359{GS}374", 24),  # 4 cases of 6
        (f"]C102{GTIN}3712", 12),  # 12 units as content (02)
    ],
)
def test_quantity_is_pack_quantity_times_the_gs1_count(raw: str, quantity: int) -> None:
    classified = classify(parse_scan(raw), floor())

    assert (classified.kind, classified.quantity) == ("product", quantity)


def test_a_container_found_by_sscc_comes_before_its_content_gtin() -> None:
    scan = parse_scan(f"]C100{SSCC}02{GTIN}3712")

    classified = classify(scan, floor())

    assert classified == Classified("container", "PAL-9", scan, container_type="pallet")


def test_a_command_comes_before_any_lookup() -> None:
    directory = floor()
    directory.locations.add("CMD:DONE")
    scan = parse_scan("CMD:DONE")

    classified = classify(scan, directory)

    assert classified == Classified("command", "DONE", scan)


def test_a_location_wins_over_a_container_order_and_badge_with_the_same_code() -> None:
    directory = DictDirectory(
        locations={"X1"},
        containers={"X1": ContainerHit("X1", "tote")},
        orders={"X1": "order-9"},
        badges={"X1": 3},
    )

    classified = classify(parse_scan("X1"), directory)

    assert (classified.kind, classified.key) == ("location", "X1")


@pytest.mark.parametrize(
    ("directory", "kind"),
    [
        (DictDirectory(containers={"X1": ContainerHit("X1", "tote")}, rmas={"X1"}), "container"),
        (DictDirectory(products={"X1": ProductHit("S", 1, "X1")}, orders={"X1": "o"}), "product"),
        (DictDirectory(orders={"X1": "o"}, parcels={"X1": "p"}), "order"),
        (DictDirectory(parcels={"X1": "p"}, rmas={"X1"}), "parcel"),
        (DictDirectory(rmas={"X1"}, badges={"X1": 3}), "rma"),
        (DictDirectory(badges={"X1": 3}), "badge"),
    ],
)
def test_raw_codes_are_looked_up_in_a_fixed_order(directory: DictDirectory, kind: str) -> None:
    classified = classify(parse_scan("X1"), directory)

    assert classified.kind == kind


def test_a_gs1_reading_that_matches_nothing_falls_back_to_the_raw_code() -> None:
    raw = "0109506000134352"  # read as GS1, but the edge knows it as an order number
    directory = DictDirectory(orders={raw: "order-3"})

    classified = classify(parse_scan(raw), directory)

    assert (classified.kind, classified.key) == ("order", "order-3")


def test_a_badge_carries_the_operator_id() -> None:
    classified = classify(parse_scan("B-0007"), floor())

    assert (classified.key, classified.operator_id) == ("7", 7)


@pytest.mark.parametrize(
    ("raw", "code", "params", "message"),
    [
        (
            "Z-99",
            "unknown_barcode",
            {"code": "Z-99"},
            "Barcode Z-99 is not known here. Check you scanned the right label, "
            "or ask a supervisor.",
        ),
        (
            f"]C10119506000134359{GS}10L1",
            "unknown_barcode",
            {"code": "(01)19506000134359(10)L1"},
            "Barcode (01)19506000134359(10)L1 is not known here. Check you scanned the right label, "
            "or ask a supervisor.",
        ),
        (
            "CMD:DANCE",
            "unknown_barcode",
            {"code": "CMD:DANCE"},
            "Barcode CMD:DANCE is not known here. Check you scanned the right label, "
            "or ask a supervisor.",
        ),
        (
            "9506000134353",
            "bad_check_digit",
            {"code": "9506000134353", "expected": "2"},
            "Barcode 9506000134353 has a wrong check digit (expected 2). Scan it again or type it.",
        ),
    ],
)
def test_a_scan_that_matches_nothing_is_refused(
    raw: str, code: str, params: dict[str, str], message: str
) -> None:
    with pytest.raises(EdgeError) as refused:
        classify(parse_scan(raw), DictDirectory())

    assert (refused.value.code, refused.value.params, refused.value.message("en")) == (
        code,
        params,
        message,
    )


def test_a_raw_code_with_a_wrong_check_digit_is_still_found_as_it_is() -> None:
    directory = DictDirectory(orders={"9506000134353": "order-5"})

    classified = classify(parse_scan("9506000134353"), directory)

    assert (classified.kind, classified.key) == ("order", "order-5")

# Round trips over GS1 element strings built from the rules of GS1 General Specifications:
# check digits per §7.9.1, AI formats per the GS1 AI table (§3.2), the 82 characters allowed in
# alphanumeric AI values per Figure 7.11-1 (CSET 82), variable-length values ended by FNC1 (GS)
# unless last (§7.8.6), dates YYMMDD with day "00" meaning the month's last day (§3.4.5).
import calendar
from dataclasses import dataclass, replace
from datetime import date

from hypothesis import assume, example, given
from hypothesis import strategies as st

from edge.domain.gtin import check_digit, normalise_gtin
from edge.domain.scan import Scan, parse_scan

CSET_82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
GS = "\x1d"


@dataclass(frozen=True)
class Element:
    ai: str
    value: str
    variable: bool


@dataclass(frozen=True)
class Label:
    elements: tuple[Element, ...]
    gtin: str
    batch: str | None
    expiry: date | None
    serial: str | None
    count: int | None


def with_check_digit(payload: str) -> str:
    return payload + check_digit(payload)


digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
gtins = st.text(alphabet="0123456789", min_size=13, max_size=13).map(with_check_digit)
cset_82_values = st.text(alphabet=CSET_82, min_size=1, max_size=20).filter(
    lambda value: "<GS>" not in value  # the default GS substitute must not occur in data
)


@st.composite
def expiries(draw: st.DrawFn) -> tuple[str, date]:
    day = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2049, 12, 31)))
    if draw(st.booleans()):
        last = calendar.monthrange(day.year, day.month)[1]
        return day.strftime("%y%m00"), day.replace(day=last)
    return day.strftime("%y%m%d"), day


@st.composite
def labels(draw: st.DrawFn) -> Label:
    gtin = draw(gtins)
    batch = draw(st.none() | cset_82_values)
    expiry = draw(st.none() | expiries())
    serial = draw(st.none() | cset_82_values)
    count = draw(st.none() | st.integers(min_value=1, max_value=99_999_999))
    elements = [Element("01", gtin, variable=False)]
    if batch is not None:
        elements.append(Element("10", batch, variable=True))
    if expiry is not None:
        elements.append(Element("17", expiry[0], variable=False))
    if serial is not None:
        elements.append(Element("21", serial, variable=True))
    if count is not None:
        elements.append(Element("37", str(count), variable=True))
    order = draw(st.permutations(elements))
    return Label(tuple(order), gtin, batch, expiry and expiry[1], serial, count)


def element_string(label: Label, separator: str) -> str:
    parts = [element.ai + element.value for element in label.elements]
    ends = [separator if element.variable else "" for element in label.elements[:-1]] + [""]
    return "".join(part + end for part, end in zip(parts, ends, strict=True))


def bracketed(label: Label) -> str:
    return "".join(f"({element.ai}){element.value}" for element in label.elements)


@given(
    label=labels(),
    spelling=st.sampled_from(["gs", "substitute", "bracketed"]),
    aim=st.sampled_from(["", "]C1", "]d2"]),
)
def test_a_gs1_label_reads_back_exactly_the_values_it_was_built_from(
    label: Label, spelling: str, aim: str
) -> None:
    if spelling == "bracketed":
        assume(not any(set("()") & set(element.value) for element in label.elements))
    body = {
        "gs": lambda: element_string(label, GS),
        "substitute": lambda: element_string(label, "<GS>"),
        "bracketed": lambda: bracketed(label),
    }[spelling]()

    scan = parse_scan(f"{aim}{body}\r\n")

    assert (scan.kind, scan.ai) == ("gs1", {e.ai: e.value for e in label.elements})
    assert (scan.gtin, scan.batch, scan.expiry, scan.serial, scan.count) == (
        label.gtin,
        label.batch,
        label.expiry,
        label.serial,
        label.count,
    )


@given(payload=st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_upc_a_ean_13_and_gtin_14_forms_of_one_gtin_share_one_key(payload: str) -> None:
    upc_a = with_check_digit(payload)
    forms = [upc_a, f"0{upc_a}", f"00{upc_a}"]

    keys = {normalise_gtin(form) for form in forms}
    scanned = {parse_scan(form).gtin for form in forms} | {parse_scan(f"]E00{upc_a}").gtin}

    assert keys == scanned == {f"00{upc_a}"}


@given(payload=st.text(alphabet="0123456789", min_size=7, max_size=7))
def test_a_gtin_8_pads_to_its_gtin_14(payload: str) -> None:
    gtin_8 = with_check_digit(payload)

    keys = {normalise_gtin(gtin_8), normalise_gtin(f"000000{gtin_8}")}

    assert keys == {f"000000{gtin_8}"}


@given(payload=st.text(alphabet="0123456789", min_size=12, max_size=12), wrong=digits)
# AI 3910 is an amount in an ISO 4217 currency: "000" is none (py-moneyed raised through biip)
@example(payload="391000000000", wrong="0")
def test_a_plain_gtin_with_a_wrong_check_digit_is_raw_and_names_the_right_one(
    payload: str, wrong: str
) -> None:
    right = check_digit(payload)
    assume(wrong != right)

    scan = parse_scan(payload + wrong)

    assert (scan.kind, scan.gtin, scan.check_digit_error) == ("raw", None, right)


@given(
    st.sampled_from([7, 11, 12, 13]).flatmap(
        lambda n: st.text("0123456789", min_size=n, max_size=n)
    )
)
def test_a_plain_gtin_reads_as_the_raw_scan_with_only_its_kind_and_gtin_set(payload: str) -> None:
    raw = payload + check_digit(payload)
    scan = parse_scan(raw)
    assume(scan.kind == "gtin")  # a few digit strings read as GS1 element strings instead

    assert scan == replace(
        Scan(raw=raw, code=raw, kind="raw"), kind="gtin", gtin=normalise_gtin(raw)
    )

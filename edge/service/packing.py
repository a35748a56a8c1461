"""The pack bench and the dock, end to end: the pack and dispatch workflows' shells, and closing
a parcel (tracking number first, outside the write; then `packed`, the parcel and its waybill's
print job in one commit; the print itself after the commit)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from edge.domain.classify import Classified
from edge.domain.decision import Decision
from edge.domain.errors import EdgeError
from edge.domain.operator import check_assignee
from edge.domain.pack import (
    PROMPT,
    PackContext,
    PackOrder,
    PackSession,
    decide_pack,
    step_of,
    taken_elsewhere,
)
from edge.domain.parcel import (
    CloseParcel,
    DispatchContext,
    DispatchSession,
    ParcelClosed,
    ParcelInfo,
    Tolerance,
    decide_dispatch,
    parcel_id_of,
)
from edge.domain.parcel import close_parcel as close_parcel_decision
from edge.domain.weight import typed_weight_needs
from edge.service.commands import refusal_body, run_once
from edge.service.floor import FloorSettings
from edge.store import packing as store
from edge.store import print_jobs
from edge.store.catalog import product_names
from edge.store.database import Store
from edge.store.kits import line_marks
from edge.store.ledger import Actor, apply_decision
from edge.store.operators import LoginSession, device_station
from edge.store.picking import zones_of
from edge.store.scan_answers import Answer, find_answer, request_hash
from edge.store.work_sessions import WorkSession, open_work_session, save_state
from edge.store.writer import Tx

# Kept out of the writer process (it imports this module with the scan's workflows): the
# settings, devices, carriers, printing and the labels are imported where a close or a print
# uses them (tests/test_writer_imports.py holds the child to it).
if TYPE_CHECKING:
    from edge.config import Settings
    from edge.config.devices import PrinterSettings
    from edge.config.sections import PackingSettings
    from edge.devices.scale import ScaleReader
    from edge.service.auth import AuthSettings
    from edge.service.carriers import Carrier
    from edge.service.printing import Spooler
    from edge.service.throttle import SourceThrottle
    from labels.document import Waybill
    from labels.packing_slip import PackingSlip


@dataclass(frozen=True)
class PackRules:
    """What closing a parcel depends on, from [packing], [carrier] and [[packages]]."""

    ship_on_pack: bool = False
    tolerance: Tolerance = Tolerance()
    packages: Mapping[str, tuple[str, int]] = ()  # type: ignore[assignment]  # code → (name, tare)
    carrier: str = "Edge Post"
    service: str = "Standard"
    sender: Mapping[str, str] = ()  # type: ignore[assignment]
    packing_slip: bool = False  # a slip after each waybill, on the same printer
    returns_url: str = ""  # central's base URL for the slip's self-service returns QR code


def pack_rules(settings: Settings) -> PackRules:
    c = settings.carrier
    return PackRules(
        settings.packing.ship_on_pack,
        Tolerance(
            settings.packing.weight_tolerance_g, Decimal(str(settings.packing.weight_tolerance_pct))
        ),
        {p.code: (p.name, p.tare_g) for p in settings.pack_packages},
        c.name,
        c.service,
        {
            "name": c.sender_name,
            "line1": c.sender_address,
            "city": c.sender_city,
            "region": c.sender_province,
            "postal_code": c.sender_postcode,
            "country": c.sender_country,
            "phone": c.sender_phone,
        },
        settings.packing.print_packing_slip,
        settings.returns.self_service_url or "",
    )


@dataclass(frozen=True)
class PackSettings:
    """What closing a parcel and reprinting its waybill read of the settings: [packing] (the
    scale's age, typed weights, the handheld's printer), the [[printers]], the pack rules and
    the [auth] a supervisor's confirmation is checked against."""

    packing: PackingSettings
    printers: tuple[PrinterSettings, ...]
    rules: PackRules
    auth: AuthSettings

    @classmethod
    def of(cls, settings: Settings) -> PackSettings:
        # here, not at the top: kept out of the writer process (test_writer_imports)
        from edge.service.auth import AuthSettings

        return cls(
            settings.packing,
            settings.printers,
            pack_rules(settings),
            AuthSettings.of(settings.auth),
        )


# --- the pack workflow's shell ---


def start_pack(
    tx: Tx, session: LoginSession, params: dict[str, Any], _f: FloorSettings
) -> dict[str, Any]:
    station = params.get("station") or device_station(tx, session.device_id)
    return asdict(PackSession(station=station))


def run_pack(tx: Tx, state: dict[str, Any], scan: Classified, _f: FloorSettings) -> Decision[Any]:
    session = PackSession(**state)
    order = store.pack_order(tx, session.order_id) if session.order_id else None
    scanned = None
    if scan.kind == "order":
        scanned = store.pack_order(tx, str(scan.key))
    elif scan.kind == "container":
        owner = store.order_of_tote(tx, str(scan.key))
        scanned = store.pack_order(tx, owner) if owner else None
    elif scan.kind == "product" and not session.order_id and (scan.quantity or 1) == 1:
        single = store.next_single_order(tx, str(scan.key))
        scanned = store.pack_order(tx, single) if single else None
    missing = missing_zones(tx, scanned.order_id) if scanned and scanned.status == "picking" else ()
    return decide_pack(session, scan, PackContext(order, scanned, missing))


def missing_zones(conn: Any, order_id: str) -> tuple[str, ...]:
    """The order's zones still being picked (with the tote each is picked into) or not started."""
    return tuple(
        f"{z['zone'] or '-'} [{z['tote'] or '-'}]"
        for z in zones_of(conn, order_id)
        if z["status"] in ("open", "unlisted")
    )


def view_pack(
    conn: Any,
    state: dict[str, Any],
    *,
    ship_to: Mapping[str, Any] | None = None,
    parcels: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The pack screen: the order, each line's units to check, the parcels closed so far
    (`ship_to` and `parcels`, where the caller holds them already, are not read again)."""
    s = PackSession(**state)
    order = store.pack_order(conn, s.order_id) if s.order_id else None
    if taken_elsewhere(s, order):  # packed on another device: this bench is free again
        free = view_pack(conn, asdict(PackSession(station=s.station)), ship_to={}, parcels=[])
        return free | {"prompt": "pack_order_taken", "prompt_params": {"order_id": s.order_id}}
    step = step_of(s, order)
    lines: list[dict[str, Any]] = []  # the screen's rows, as JSON
    if order is not None:
        names = product_names(conn, [ln.sku for ln in order.lines])
        marks = line_marks(conn, [ln.line_id for ln in order.lines])
        lines = [
            {
                "line_id": ln.line_id,
                "sku": ln.sku,
                "name": names.get(ln.sku, ("", ""))[0],
                "name_zh": names.get(ln.sku, ("", ""))[1],
                "to_pack": ln.to_pack,
                "verified": s.verified.get(ln.line_id, 0),
                "packed": ln.packed,
                "kit": marks.get(ln.line_id, {}).get("kit"),
                "gift": marks.get(ln.line_id, {}).get("gift", False),
            }
            for ln in order.lines
            if ln.picked
        ]
    left = sum(x["to_pack"] - x["verified"] for x in lines)
    params = {"order_id": s.order_id, "units": left}
    if s.order_id and ship_to is None:
        ship_to = store.ship_to(conn, s.order_id)
    if s.order_id and parcels is None:
        parcels = store.parcel_rows(conn, s.order_id)
    return {
        "workflow": "pack",
        "step": step,
        "station": s.station,
        "order_id": s.order_id,
        "channel_order_id": ship_to.get("_channel_order_id") if s.order_id and ship_to else None,
        # the buyer's and the seller's notes from the channel ("ship by SF", "gift wrap")
        "notes": _notes(ship_to) if s.order_id and ship_to else {"buyer": "", "seller": ""},
        "tote": order.tote if order else None,
        "totes": store.order_totes(conn, s.order_id) if s.order_id else [],
        "parcel_no": s.parcel_no,
        "lines": lines,
        "in_parcel": sum(s.verified.values()),
        "left": left,
        "parcels": parcels if s.order_id else [],
        "prompt": PROMPT[step],
        "prompt_params": params,
    }


def _notes(ship_to: Mapping[str, Any]) -> dict[str, str]:
    return {"buyer": ship_to.get("_buyer_note") or "", "seller": ship_to.get("_seller_note") or ""}


# --- closing a parcel: one command, one function ---


@dataclass(frozen=True)
class Approval:
    """A supervisor's badge and PIN, typed on the spot, and why the weight is not the scale's."""

    badge: str
    pin: str
    reason: str


@dataclass(frozen=True)
class CloseAsk:
    """A close as the bench sends it, in plain values."""

    close_id: str
    package: str
    pieces: int = 1
    weight_g: int | None = None  # typed or scanned; None takes the bench's scale
    weight_source: str = "typed"  # typed | scanned (GS1 310n)
    approval: Approval | None = None


@dataclass(frozen=True)
class PackBench:
    """What a close reaches beyond the database: the carrier (tracking numbers), the bench
    scales by station, the spooler (prints after the commit) and the PIN throttle."""

    carrier: Carrier
    scales: Mapping[str, ScaleReader]
    spooler: Spooler
    throttle: SourceThrottle | None = None


@dataclass(frozen=True)
class Closed:
    """The close's answer (stored once per close_id) and the order it closed a parcel of
    ("" for a replay answered before anything was read)."""

    answer: Answer
    order_id: str = ""

    @property
    def changed(self) -> bool:
        """A parcel closed now (not refused, not a replay): the order's other screens are stale."""
        return bool(self.answer.body.get("ok")) and not self.answer.replayed


@dataclass(frozen=True)
class Close:
    """A close from the bench, with everything found out before the write."""

    close_id: str
    session: LoginSession
    package: str
    weight_g: int
    pieces: int
    tracking_no: str
    printer: str | None
    printer_format: str = "pdf"
    typed_weight: int | None = None  # as the packer sent it (None: the scale's)
    weight_source: str = "typed"  # scale | typed | scanned
    approval_badge: str = ""  # the supervisor's badge as sent (the PIN is never kept)
    approval_reason: str = ""
    approved_by: str = ""  # "name (badge)" once the badge and PIN were checked
    print_station: str = ""  # the printer's station (a handheld's waybill prints at a bench)
    # A carrier whose numbers the store keeps (the offline one): the number is issued inside
    # the close's own transaction; None: `tracking_no` was asked of the carrier before.
    issue: Callable[[Tx, str, int], str] | None = None

    @property
    def request(self) -> dict[str, Any]:
        """What a retry of the same close_id must repeat."""
        return {
            "package": self.package,
            "weight_g": self.typed_weight,
            "pieces": self.pieces,
            "device_id": self.session.device_id,
            **(
                {
                    "weight_source": self.weight_source,
                    "approval": self.approval_badge,
                    "reason": self.approval_reason,
                }
                if self.typed_weight is not None
                else {}
            ),
        }


async def close_parcel(
    store: Store,
    settings: PackSettings,
    bench: PackBench,
    session: LoginSession,
    ask: CloseAsk,
    *,
    sources: tuple[str, ...] = (),
) -> Closed:
    """Close the parcel being packed, once per close_id.

    Before the write (none of it holds the writer): a retry's stored answer, the bench's
    order, the printer, the weight (scale, or typed with a supervisor where the site asks) and
    the tracking number (once per order and parcel). Then one commit: the parcel, `packed`, the
    movements, events and the waybill's print job. The print itself runs after the commit."""
    asked = Close(
        ask.close_id,
        session,
        ask.package,
        0,
        ask.pieces,
        "",
        None,
        typed_weight=ask.weight_g,
        weight_source=ask.weight_source,
        approval_badge=ask.approval.badge if ask.approval else "",
        approval_reason=ask.approval.reason if ask.approval else "",
    )
    conn = store.read()
    prior = replay_close(conn, asked)
    if prior is not None:  # a retry after a lost answer: the first answer, nothing new
        return Closed(prior)
    s, order = parcel_to_close(conn, session)
    printer = station_printer(settings, s.station)
    reader = bench.scales.get(s.station) if s.station else None
    weighed = await weigh(
        store,
        settings,
        reader,
        s.station,
        typed_g=ask.weight_g,
        source=ask.weight_source,
        approval=ask.approval,
        throttle=bench.throttle,
        sources=sources,
    )
    # here, not at the top: kept out of the writer process (test_writer_imports)
    from edge.service.carriers import OfflineCarrier

    carrier = bench.carrier
    issue = carrier.issue if isinstance(carrier, OfflineCarrier) else None
    tracking = (
        ""
        if issue is not None
        else await carrier.tracking_number(
            order.order_id, s.parcel_no, {"weight_g": weighed.grams, "package": ask.package}
        )
    )
    req = replace(
        asked,
        weight_g=weighed.grams,
        weight_source=weighed.source,
        approved_by=weighed.approved_by,
        tracking_no=tracking,
        printer=printer.name,
        printer_format=printer.format,
        print_station=printer.station,
        issue=issue,
    )
    answer = await store.writer.run(lambda tx: close(tx, req, settings.rules))
    bench.spooler.notify()
    return Closed(answer, order.order_id)


def station_printer(settings: PackSettings, station: str) -> PrinterSettings:
    """The station's printer; for a handheld bound to no station, packing.handheld_printer or
    the only printer there is."""
    printers = settings.printers
    if not station:
        named = settings.packing.handheld_printer
        found = [p for p in printers if p.name == named] if named else list(printers)
        if len(found) == 1:
            return found[0]
        raise EdgeError("no_printer", station="-")
    at_station = next((p for p in printers if p.station == station), None)
    if at_station is None:
        raise EdgeError("no_printer", station=station)
    return at_station


@dataclass(frozen=True)
class Weighed:
    """The parcel's weight, where it came from (scale | typed | scanned) and who confirmed a
    weight entered by hand ("name (badge)"), when someone had to."""

    grams: int
    source: str
    approved_by: str = ""


async def weigh(
    store: Store,
    settings: PackSettings,
    reader: ScaleReader | None,
    station: str,
    *,
    typed_g: int | None,
    source: str,
    approval: Approval | None,
    throttle: SourceThrottle | None = None,
    sources: tuple[str, ...] = (),
) -> Weighed:
    """The weight to close with: the station's scale's steady reading, or the one typed or
    scanned, as packing.typed_weight and a live scale allow (a supervisor's badge + PIN)."""
    if typed_g is None:
        if reader is None:
            raise EdgeError("weight_needed", station=station or "-")
        reading = reader.current(settings.packing.scale_max_age_s)
        if reading is None:
            raise EdgeError("no_weight", station=station or "-")
        return Weighed(int(reading.grams), "scale")
    live = reader is not None and reader.state.value == "connected"
    needs = typed_weight_needs(settings.packing.typed_weight, scale_live=live)
    if needs == "refused":
        raise EdgeError("typed_weight_refused", where=f" ({station})" if station else "")
    if needs == "nothing":
        return Weighed(typed_g, source)
    if approval is None:
        raise EdgeError("supervisor_needed", why="scale_live" if live else "site_rule")
    # here, not at the top: kept out of the writer process (test_writer_imports)
    from edge.service.approval import approve

    approved = await approve(
        store,
        settings.auth,
        badge=approval.badge,
        pin=approval.pin,
        reason=approval.reason,
        action="approve_weight",
        throttle=throttle,
        sources=sources,
    )
    return Weighed(typed_g, source, approved.who)


def replay_close(conn: Any, req: Close) -> Answer | None:
    """The stored answer of a close_id answered before (`scan_id_reused` if the request differs)."""
    prior = find_answer(conn, req.close_id)
    if prior is None:
        return None
    if prior[0] != request_hash(req.request):
        raise EdgeError("scan_id_reused", scan_id=req.close_id)
    return prior[1]


def parcel_to_close(conn: Any, session: LoginSession) -> tuple[PackSession, PackOrder]:
    """The bench's session and order, ready for its parcel to close (else `parcel_not_ready`)."""
    _work, s, order = _bench_order(conn, session)
    return s, order


def _bench_order(conn: Any, session: LoginSession) -> tuple[WorkSession, PackSession, PackOrder]:
    work = open_work_session(conn, session.token_hash)
    if work is None or work.workflow != "pack":
        raise EdgeError("no_work_session")
    s = PackSession(**work.state)
    order = store.pack_order(conn, s.order_id) if s.order_id else None
    if taken_elsewhere(s, order):
        raise EdgeError("order_packed_elsewhere", order_id=s.order_id)
    if order is None or step_of(s, order) != "package":
        raise EdgeError("parcel_not_ready", order_id=s.order_id or "-")
    return work, s, order


def close(tx: Tx, req: Close, rules: PackRules) -> Answer:
    """Close the parcel once per close_id: parcel, movements, events and print job together."""
    return run_once(
        tx,
        req.close_id,
        kind="pack_close",
        request=req.request,
        actor=(req.session.operator_id, req.session.device_id),
        decide=lambda: _close(tx, req, rules),
        refusal=lambda err: refusal_body(req.close_id, err),
    )


def _close(tx: Tx, req: Close, rules: PackRules) -> dict[str, Any]:
    """Inside the writer: load what the domain needs once, decide, store, queue the waybill."""
    work, s, order = _bench_order(tx, req.session)
    if req.package not in rules.packages:
        raise EdgeError("unknown_package", package=req.package, choices=", ".join(rules.packages))
    if req.issue is not None:  # refused below: rolled back with the rest, issued again on retry
        req = replace(req, tracking_no=req.issue(tx, order.order_id, s.parcel_no))
    to = store.ship_to(tx, order.order_id)
    service = to.get("_service") or rules.service
    cmd = CloseParcel(
        req.package,
        rules.packages[req.package][1],
        req.weight_g,
        req.pieces,
        req.tracking_no,
        rules.carrier,
        service,
        weight_source=req.weight_source,
        approved_by=req.approved_by,
        approval_reason=req.approval_reason if req.approved_by else "",
    )
    decision = close_parcel_decision(
        s,
        order,
        store.sources(tx, order.order_id),
        store.unit_weights(tx, [ln.sku for ln in order.lines]),
        cmd,
        tolerance=rules.tolerance,
        ship_on_pack=rules.ship_on_pack,
        earlier=store.parcels_of(tx, order.order_id),
    )
    seqs = apply_decision(
        tx, decision, Actor(req.session.operator_id, req.session.device_id, req.close_id)
    )
    job = slip = None
    if req.printer is not None:
        closed = next(c for c in decision.changes if isinstance(c, ParcelClosed))
        parcel = ParcelInfo(
            closed.parcel_id,
            closed.parcel_no,
            closed.pieces or closed.parcel_no,
            closed.tracking_no,
            closed.weight_g or 0,
            closed.contents,
        )
        job, slip = _queue_labels(
            tx,
            order.order_id,
            parcel,
            to,
            rules,
            req.printer,
            req.printer_format,
            req.print_station or s.station,
        )
    new_state = asdict(decision.state)
    save_state(tx, work.id, new_state)
    parcels = store.parcel_rows(tx, order.order_id)
    view = view_pack(tx, new_state, ship_to=to, parcels=parcels)
    fb = decision.feedback
    assert fb is not None
    return {
        "scan_id": req.close_id,
        "ok": True,
        "workflow": "pack",
        "tone": fb.tone,
        "prompt": fb.prompt,
        "params": dict(fb.params),
        "next": view["prompt"],
        "next_params": view["prompt_params"],
        "view": view,
        "state": new_state,
        "events": seqs,
        "tracking_no": req.tracking_no,
        "print_job": job,
        "slip_job": slip,
        "print_station": req.print_station or s.station,
        "parcel_id": parcel_id_of(order.order_id, s.parcel_no),
        "parcels": parcels,
    }


def _queue_labels(
    tx: Tx,
    order_id: str,
    parcel: ParcelInfo,
    to: Mapping[str, Any],
    rules: PackRules,
    printer: str,
    fmt: str,
    station: str,
) -> tuple[int, int | None]:
    """Queue the parcel's waybill, to the address `to` (as it stands now), and, where the site
    prints them, its packing slip after it on the same printer: (waybill job, slip job)."""
    # here, not at the top: kept out of the writer process (test_writer_imports)
    from edge.service.documents import packing_slip_document, waybill_document

    documents = [("waybill", waybill_document(_waybill(tx, order_id, parcel, to, rules)))]
    if rules.packing_slip:
        slip = _packing_slip(tx, order_id, parcel, to, rules)
        documents.append(("packing_slip", packing_slip_document(slip)))
    jobs = [
        print_jobs.queue_job(
            tx,
            printer=printer,
            station=station,
            kind=kind,
            format=fmt,
            document=document,
            order_id=order_id,
            parcel_id=parcel.parcel_id,
        )
        for kind, document in documents
    ]
    return jobs[0], jobs[1] if len(jobs) > 1 else None


def _waybill(
    tx: Tx, order_id: str, parcel: ParcelInfo, to: Mapping[str, Any], rules: PackRules
) -> Waybill:
    # here, not at the top: kept out of the writer process (test_writer_imports)
    from labels.document import Address, Waybill

    recipient = Address(
        to.get("name", ""),
        to.get("address", ""),
        to.get("district", ""),
        city=to.get("city", ""),
        region=to.get("province", ""),
        postal_code=to.get("postcode") or to.get("postal_code", ""),
        country=to.get("country", ""),
        phone=to.get("phone", ""),
    )
    return Waybill(
        order_number=to.get("_channel_order_id") or order_id,
        carrier=rules.carrier,
        service=to.get("_service") or rules.service,
        tracking_no=parcel.tracking_no,
        sender=Address(**dict(rules.sender)),
        recipient=recipient,
        weight_g=parcel.weight_g,
        piece_no=parcel.parcel_no,
        piece_count=parcel.pieces,
        ship_date=date.fromisoformat(tx.at[:10]),
        reference=order_id,
    )


def _packing_slip(
    tx: Tx, order_id: str, parcel: ParcelInfo, to: Mapping[str, Any], rules: PackRules
) -> PackingSlip:
    """The parcel's lines (one a SKU, its lots added up) with the products' names, and the
    QR code of central's self-service returns page for the order when one is configured."""
    # here, not at the top: kept out of the writer process (test_writer_imports)
    from labels.packing_slip import PackingSlip, SlipLine, self_service_url

    names = product_names(tx, sorted({c.sku for c in parcel.contents}))
    qty: dict[str, int] = {}
    for content in parcel.contents:
        qty[content.sku] = qty.get(content.sku, 0) + content.qty
    return PackingSlip(
        order_number=to.get("_channel_order_id") or order_id,
        order_id=order_id,
        ship_date=date.fromisoformat(tx.at[:10]),
        piece_no=parcel.parcel_no,
        piece_count=parcel.pieces,
        lines=tuple(SlipLine(sku, _slip_name(names.get(sku)), n) for sku, n in qty.items()),
        returns_url=self_service_url(rules.returns_url, order_id) if rules.returns_url else "",
    )


def _slip_name(names: tuple[str, str] | None) -> str:
    """The product's name and its Chinese name where it has a different one."""
    if names is None:
        return ""
    name, name_zh = names
    return f"{name} / {name_zh}" if name_zh and name_zh != name else name


@dataclass(frozen=True)
class ReprintAsk:
    parcel_id: str
    station: str | None = None  # the bench to print at (the device's own by default)


async def reprint_parcel(
    store: Store, settings: PackSettings, spooler: Spooler, session: LoginSession, ask: ReprintAsk
) -> dict[str, Any]:
    """Print a closed parcel's waybill again (a new job, the order's address as it is now),
    and its packing slip where the site prints them; only its packer or a supervisor may ask. It prints after the commit."""
    station = ask.station or device_station(store.read(), session.device_id)
    printer = station_printer(settings, station)
    result = await store.writer.run(
        lambda tx: reprint_waybill(
            tx, ask.parcel_id, settings.rules, printer.name, printer.format, station, by=session
        )
    )
    spooler.notify()
    return result


def reprint_waybill(
    tx: Tx,
    parcel_id: str,
    rules: PackRules,
    printer: str,
    fmt: str,
    station: str,
    *,
    by: LoginSession,
) -> dict[str, Any]:
    """A new waybill job for a closed parcel, with the order's address as it is now; only its
    packer (or a supervisor) may ask."""
    found = store.parcel(tx, parcel_id)
    if found is None:
        raise EdgeError("not_found", what="parcel", key=parcel_id)
    packer = store.parcel_packer(tx, parcel_id)
    check_assignee(by.role, by.operator_id, packer, what="parcel", key=parcel_id)
    order_id, parcel = found
    to = store.ship_to(tx, order_id)
    job, slip = _queue_labels(tx, order_id, parcel, to, rules, printer, fmt, station)
    return {
        "parcel_id": parcel_id,
        "print_job": job,
        "slip_job": slip,
        "tracking_no": parcel.tracking_no,
    }


# --- the dispatch workflow's shell (the dock) ---


def start_dispatch(
    tx: Tx, session: LoginSession, params: dict[str, Any], _f: FloorSettings
) -> dict[str, Any]:
    station = params.get("station") or device_station(tx, session.device_id)
    return asdict(DispatchSession(station=station))


def run_dispatch(
    tx: Tx, state: dict[str, Any], scan: Classified, _f: FloorSettings
) -> Decision[Any]:
    ctx = DispatchContext()
    if scan.kind == "parcel":
        found = store.parcel(tx, str(scan.key))
        if found is not None:
            order_id, parcel = found
            status, carrier = store.order_shipment(tx, order_id)
            ctx = DispatchContext(
                order_id, status, parcel, tuple(store.parcels_of(tx, order_id)), carrier
            )
    return decide_dispatch(DispatchSession(**state), scan, ctx)


def view_dispatch(_conn: Any, state: dict[str, Any]) -> dict[str, Any]:
    s = DispatchSession(**state)
    return {
        "workflow": "dispatch",
        "step": "parcel",
        "station": s.station,
        "dispatched": s.dispatched,
        "last": s.last,
        "prompt": "scan_dispatch_parcel",
        "prompt_params": {},
    }

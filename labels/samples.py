"""A fixed sample waybill, printed to check a printer (`labels sample waybill`, the test print)."""

from __future__ import annotations

from datetime import date

from labels.document import Address, Waybill


def sample_waybill() -> Waybill:
    """A fixed waybill to a Chinese recipient: the CJK font, both barcodes and every field."""
    sender = Address(
        "Harbour Fulfilment Ltd / 港湾仓储",
        "Unit 4, 18 Gateway Road",
        city="Felixstowe",
        region="Suffolk",
        postal_code="IP11 3BZ",
        country="United Kingdom",
        phone="+44 1394 000 100",
    )
    recipient = Address(
        "王芳",
        "世纪大道100号 8楼801室",
        "环球金融中心",
        city="浦东新区",
        region="上海市",
        postal_code="200120",
        country="中国 China",
        phone="+86 138 0013 8000",
    )
    return Waybill(
        order_number="SO-2025-000123",
        carrier="Edge Post",
        service="EXPRESS",
        tracking_no="RR123456785CN",  # UPU S10, its check digit included
        sender=sender,
        recipient=recipient,
        weight_g=1250,
        piece_no=1,
        piece_count=2,
        ship_date=date(2025, 6, 2),
        reference="PO 4711",
    )

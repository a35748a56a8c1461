"""What a GS1 element string's value means, for people: measures with their unit, amounts with
their currency, dates as dates. biip does the reading (decimal point from the AI's last digit, the
ISO 4217 currency through py-moneyed, YYMMDD with day 00 as the month's last day); this module only
says it in one shape for `scan parse` and the API.
"""

from __future__ import annotations

import re
from typing import Any

from biip.gs1_element_strings import GS1ElementString

# The unit is in biip's data title, as GS1 prints it: "NET WEIGHT (kg)", "AREA (m²), log".
_UNIT = re.compile(r"\(([^)]+)\)")
_TITLE_UNITS = {"KG PER m²": "kg/m²"}  # AI 337n, the one measure whose title has no brackets


def is_measure(ai: str) -> bool:
    """AI 310n–369n: a trade or logistic measure with n decimals (GS1 General Specifications §3.6)."""
    return len(ai) == 4 and ai.isdigit() and 310 <= int(ai[:3]) <= 369


def element_value(element: GS1ElementString) -> dict[str, Any] | None:
    """The meaning of one element string, or None when its text is all there is to it."""
    ai = element.ai.ai
    title = element.ai.data_title
    if is_measure(ai) and element.decimal is not None:
        unit = _unit(title)
        return {
            "title": title,
            "value": str(element.decimal),
            "unit": unit,
            "text": f"{element.decimal} {unit}",
        }
    if ai[:3] in ("392", "393") and element.decimal is not None:
        out: dict[str, Any] = {"title": title, "amount": str(element.decimal)}
        if ai.startswith("393"):
            # biip gives Money when py-moneyed is installed (a dependency); else the ISO number.
            money = element.money
            currency = money.currency.code if money is not None else element.value[:3]
            out |= {"currency": currency, "text": f"{element.decimal} {currency}"}
        return out
    if element.datetime is not None:
        return {"title": title, "datetime": element.datetime.isoformat()}
    if element.date is not None:
        return {"title": title, "date": element.date.isoformat()}
    return None


def _unit(title: str) -> str:
    found = _UNIT.search(title)
    return found.group(1) if found else _TITLE_UNITS.get(title, "")

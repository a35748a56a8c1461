"""[kpi] and [report]: the order-health thresholds, and the weekly report's schedule and mail."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationInfo, field_validator

from edge.config.keys import _SECTION, OptionalPath, OptionalText, _key

_SCHEDULE_EXPECTED = 'a weekday and a local time such as "mon 07:00", or empty for never'
_SCHEDULE = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun) ([01]\d|2[0-3]):([0-5]\d)$")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ADDRESSES_EXPECTED = "e-mail addresses separated by commas, such as a@example.com, b@example.com"
_SHIFTS_EXPECTED = 'shift start times separated by commas such as "06:00, 14:00, 22:00"'


class KpiSettings(BaseModel):
    """[kpi]: the thresholds the KPIs are held against (a breached one shows red)."""

    model_config = _SECTION

    on_time_min_pct: float = _key(
        95.0, "Warn when fewer orders than this % ship by their ship-by.", ge=0, le=100
    )
    inventory_accuracy_min_pct: float = _key(
        98.0, "Warn when fewer counts than this % find what the records say.", ge=0, le=100
    )
    return_rate_max_pct: float = _key(
        8.0, "Warn when more units than this % of those shipped come back.", ge=0, le=100
    )
    scan_error_rate_max_pct: float = _key(
        5.0, "Warn when more scans than this % are refused (per operator too).", ge=0, le=100
    )
    short_pick_rate_max_pct: float = _key(
        2.0, "Warn when more order lines than this % are shorted.", ge=0, le=100
    )
    pick_rate_min: float = _key(
        0.0, "Warn when fewer units than this are picked per picker-hour; 0 = never.", ge=0
    )
    breach_days: int = _key(
        3, "Days in a row below its threshold that mark a KPI red in the report.", ge=1, le=31
    )
    shifts: str = _key(
        "06:00, 14:00, 22:00",
        "Local start times of the shifts, to say in which shift problems happen.",
        expected=_SHIFTS_EXPECTED,
    )

    @field_validator("shifts")
    @classmethod
    def _shift_times(cls, value: str) -> str:
        shift_starts(value)
        return value

    @property
    def shift_minutes(self) -> tuple[int, ...]:
        return shift_starts(self.shifts)


def shift_starts(text: str) -> tuple[int, ...]:
    """'06:00, 14:00' → (360, 840) minutes after midnight, sorted; ValueError if malformed."""
    out: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        hh, _, mm = part.partition(":")
        if not (hh.isdigit() and mm.isdigit() and int(hh) < 24 and int(mm) < 60):
            raise ValueError(_SHIFTS_EXPECTED)
        out.append(int(hh) * 60 + int(mm))
    if not out:
        raise ValueError(_SHIFTS_EXPECTED)
    return tuple(sorted(set(out)))


class ReportSettings(BaseModel):
    """[report]: the weekly report: when it is made, how many are kept, whom it is mailed to."""

    model_config = _SECTION

    schedule: str = _key(
        "mon 07:00",
        "When the server makes last week's report (local time, edge.timezone); empty: never.",
        expected=_SCHEDULE_EXPECTED,
    )
    keep: int = _key(12, "Weekly reports kept in the report directory; older ones go.", ge=1)
    dir: OptionalPath = _key(None, "Directory for the reports; empty means <data_dir>/reports.")
    recipients: str = _key(
        "", "Managers the report is e-mailed to, separated by commas; empty: mailed to nobody."
    )
    smtp_host: OptionalText = _key(None, "SMTP server for the report's e-mail.")
    smtp_port: int = _key(587, "SMTP server port.", ge=1, le=65535)
    smtp_starttls: Literal["auto", "always", "never"] = _key(
        "auto",
        "STARTTLS: when the server offers it (auto), required (always) or never (a local relay).",
    )
    smtp_ca_file: OptionalPath = _key(
        None, "CA certificate (PEM) the SMTP server's is checked against; empty: the system's."
    )
    smtp_user: OptionalText = _key(None, "SMTP login; empty sends without logging in.")
    smtp_password: OptionalText = _key(None, "SMTP password for smtp_user.", repr=False)
    smtp_from: OptionalText = _key(None, "Sender address of the report's e-mail.")
    smtp_timeout_s: float = _key(30.0, "Seconds to wait for the SMTP server.", gt=0, le=600)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        if value.strip() and not _SCHEDULE.match(value.strip().lower()):
            raise ValueError(_SCHEDULE_EXPECTED)
        return value.strip().lower()

    @field_validator("smtp_ca_file")
    @classmethod
    def _existing_ca(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError("an existing PEM file")
        return value

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, value: str) -> str:
        for address in addresses(value):
            if not re.fullmatch(r"[^@\s,]+@[^@\s,]+\.[^@\s,]+", address):
                raise ValueError(_ADDRESSES_EXPECTED)
        return value

    @field_validator("smtp_host")
    @classmethod
    def _host_when_mailed(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("recipients") and value is None:
            raise ValueError("the SMTP server's host name when report.recipients is set")
        return value

    @field_validator("smtp_from")
    @classmethod
    def _sender_when_mailed(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("recipients") and value is None:
            raise ValueError("the sender's e-mail address when report.recipients is set")
        return value

    @field_validator("smtp_password")
    @classmethod
    def _password_with_user(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("smtp_user") and value is None:
            raise ValueError("the password of report.smtp_user")
        return value

    @property
    def to(self) -> tuple[str, ...]:
        return addresses(self.recipients)

    @property
    def when(self) -> tuple[int, int, int] | None:
        """(weekday 0 = Monday, hour, minute), or None for never."""
        m = _SCHEDULE.match(self.schedule)
        if m is None:
            return None
        return _WEEKDAYS.index(m.group(1)), int(m.group(2)), int(m.group(3))


def addresses(text: str) -> tuple[str, ...]:
    return tuple(filter(None, (a.strip() for a in text.split(","))))

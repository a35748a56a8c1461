"""The scheduled weekly report: made at `report.schedule` (local time), kept in the report
directory (the last `report.keep`), then e-mailed to `report.recipients` over SMTP (STARTTLS
when the server offers it). A mail server that is down or refuses costs the mail, never the
report: the PDF is kept first, and the failure is logged once per run."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from edge.config import Settings
from edge.config.reporting import ReportSettings
from edge.files import private_dir, write_atomic
from edge.service.reports import Made, last_week, weekly_pdf
from edge.store.database import Store

log = logging.getLogger(__name__)


class MailError(Exception):
    """The report could not be mailed; the message says why, naming the setting to check."""


@dataclass(frozen=True)
class RunResult:
    path: Path
    mailed_to: tuple[str, ...]
    mail_error: str = ""


def keep(made: Made, directory: Path, keep_last: int) -> Path:
    """Write the report owner-only into `directory`, then remove all but the newest `keep_last`
    weekly reports there (by week, which the file names sort by)."""
    private_dir(directory)
    path = directory / made.filename
    write_atomic(path, made.pdf)
    kept = sorted(directory.glob("weekly-report-*.pdf"), key=lambda p: p.name.rsplit("-", 2)[-2:])
    for old in kept[:-keep_last]:
        old.unlink(missing_ok=True)
    return path


def message(made: Made, report: ReportSettings, edge_name: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"{edge_name}: weekly report {made.week} / 周报 {made.week}"
    msg["From"] = report.smtp_from or ""
    msg["To"] = ", ".join(report.to)
    msg.set_content(
        f"The weekly report of {edge_name} for {made.week} is attached.\n"
        f"附件是 {edge_name} {made.week} 的周报。\n"
    )
    msg.add_attachment(made.pdf, maintype="application", subtype="pdf", filename=made.filename)
    return msg


def mail(made: Made, report: ReportSettings, edge_name: str) -> None:
    """Send the report to the recipients; MailError naming the setting when it cannot."""
    where = f"{report.smtp_host}:{report.smtp_port} (report.smtp_host, report.smtp_port)"
    try:
        with smtplib.SMTP(
            report.smtp_host or "", report.smtp_port, timeout=report.smtp_timeout_s
        ) as smtp:
            smtp.ehlo()
            if report.smtp_starttls != "never" and smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context(cafile=report.smtp_ca_file))
                smtp.ehlo()
            elif report.smtp_starttls == "always":
                raise MailError(
                    f"the SMTP server {where} does not offer STARTTLS and"
                    " report.smtp_starttls is always"
                )
            if report.smtp_user:
                smtp.login(report.smtp_user, report.smtp_password or "")
            smtp.send_message(message(made, report, edge_name))
    except smtplib.SMTPAuthenticationError as err:
        raise MailError(f"the SMTP server refused report.smtp_user's login: {err}") from None
    except smtplib.SMTPRecipientsRefused as err:
        refused = ", ".join(err.recipients)
        raise MailError(f"the SMTP server refused report.recipients {refused}") from None
    except (OSError, smtplib.SMTPException) as err:
        raise MailError(f"cannot send through the SMTP server {where}: {err}") from None


def run_weekly(
    store: Store, settings: Settings, now: datetime, *, week: str | None = None
) -> RunResult:
    """Make the report of `week` (default: last week), keep it, mail it; a mail failure is
    logged once and returned, the report stays kept."""
    made = weekly_pdf(store.read(), settings, week, now)
    path = keep(made, settings.report_path, settings.report.keep)
    log.info("weekly report %s kept at %s", made.week, path)
    if not settings.report.to:
        return RunResult(path, ())
    try:
        mail(made, settings.report, settings.edge.name)
    except MailError as err:
        log.warning("weekly report %s kept at %s but not mailed: %s", made.week, path, err)
        return RunResult(path, (), str(err))
    log.info("weekly report %s mailed to %s", made.week, ", ".join(settings.report.to))
    return RunResult(path, settings.report.to)


def last_due(now_local: datetime, when: tuple[int, int, int]) -> datetime:
    """The latest scheduled instant at or before `now_local` (weekday, hour, minute)."""
    weekday, hour, minute = when
    at = now_local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    at -= timedelta(days=(now_local.weekday() - weekday) % 7)
    return at if at <= now_local else at - timedelta(days=7)


async def report_loop(
    store: Store,
    settings: Settings,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Make the weekly report at each scheduled time. An edge that has made reports before
    (its report directory exists) makes at start the one it missed while stopped; a new edge
    waits for its first scheduled time. A run that fails is logged and tried again within the
    hour; a mail that fails is not sent again (the report is kept)."""
    when = settings.report.when
    if when is None:
        return
    zone = settings.edge.zone
    started = last_due(clock().astimezone(zone), when)
    catch_up = settings.report_path.is_dir()
    while True:
        now = clock()
        due = last_due(now.astimezone(zone), when)
        week = last_week(due, zone)
        made = (settings.report_path / f"weekly-report-{settings.edge.id}-{week}.pdf").exists()
        if (catch_up or due > started) and not made:
            try:
                await asyncio.to_thread(run_weekly, store, settings, now, week=week)
            except Exception:
                log.exception("weekly report %s not made; trying again within the hour", week)
        wait = (due + timedelta(days=7) - now.astimezone(zone)).total_seconds()
        await sleep(min(max(wait, 1.0), 3600.0))

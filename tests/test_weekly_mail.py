"""The weekly report kept, mailed and scheduled: against a real SMTP server on 127.0.0.1
(aiosmtpd), with STARTTLS under a certificate from the edge's own local CA, and against a mail
server that is down; the command line; the schedule driven by a given clock."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import logging
import socket
import ssl
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from edge.cli.main import cli
from edge.config import ConfigError, Settings, load_settings
from edge.service import local_ca, weekly_run
from edge.store.database import Store
from tests.kpi_history import NOW, WEEK, write_history
from tests.test_weekly_report import text_of

MANAGERS = "boss@example.com, ops@example.com"


class Inbox:
    """An aiosmtpd handler that keeps what it was sent, and whether the session was encrypted."""

    def __init__(self) -> None:
        self.mail: list[tuple[list[str], Message, bool]] = []

    async def handle_DATA(self, _server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mail.append((list(envelope.rcpt_tos), message, session.ssl is not None))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def smtp_server(**smtp: Any) -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **smtp)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def edge(tmp_path: Path, **overrides: Any) -> tuple[Settings, Store]:
    settings = load_settings(
        env={}, overrides={"edge.data_dir": tmp_path, "report.schedule": "", **overrides}
    )
    store = Store(settings.db_path)
    write_history(store)
    return settings, store


def mailed(port: int, **more: Any) -> dict[str, Any]:
    return {
        "report.recipients": MANAGERS,
        "report.smtp_host": "127.0.0.1",
        "report.smtp_port": port,
        "report.smtp_from": "edge@example.com",
        **more,
    }


def test_the_report_is_kept_and_mailed_to_every_manager_with_the_pdf(tmp_path: Path) -> None:
    with smtp_server() as (inbox, port):
        settings, store = edge(tmp_path, **mailed(port))
        result = weekly_run.run_weekly(store, settings, NOW, week=WEEK)
        store.close()

    assert result.path == tmp_path / "reports" / f"weekly-report-edge-1-{WEEK}.pdf"
    assert result.mailed_to == ("boss@example.com", "ops@example.com")
    [(to, message, _)] = inbox.mail
    assert to == ["boss@example.com", "ops@example.com"]
    assert message["Subject"] == f"Warehouse edge: weekly report {WEEK} / 周报 {WEEK}"
    [pdf] = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == f"weekly-report-edge-1-{WEEK}.pdf"
    payload = pdf.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert payload == result.path.read_bytes()
    assert "订单准时履约率" in text_of(payload)


def test_the_report_goes_over_starttls_when_the_server_offers_it(tmp_path: Path) -> None:
    files = local_ca.init(tmp_path / "tls", ["127.0.0.1"], label="mail", now=datetime.now(UTC))
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(files.server_cert, files.server_key)
    # the server refuses any mail before STARTTLS: a delivery proves the session was encrypted
    with smtp_server(tls_context=tls, require_starttls=True) as (inbox, port):
        settings, store = edge(tmp_path, **mailed(port, **{"report.smtp_ca_file": files.ca_cert}))
        result = weekly_run.run_weekly(store, settings, NOW, week=WEEK)
        store.close()

    assert result.mail_error == ""
    [(_, _, encrypted)] = inbox.mail
    assert encrypted is True


def test_a_server_without_starttls_is_refused_when_it_is_required(tmp_path: Path) -> None:
    with smtp_server() as (inbox, port):
        settings, store = edge(tmp_path, **mailed(port, **{"report.smtp_starttls": "always"}))
        result = weekly_run.run_weekly(store, settings, NOW, week=WEEK)
        store.close()

    assert inbox.mail == []
    assert "does not offer STARTTLS" in result.mail_error
    assert "report.smtp_starttls" in result.mail_error
    assert result.path.is_file()


def test_a_mail_server_that_is_down_costs_the_mail_not_the_report_and_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings, store = edge(tmp_path, **mailed(free_port(), **{"report.smtp_timeout_s": 5}))

    with caplog.at_level(logging.WARNING, logger="edge.service.weekly_run"):
        result = weekly_run.run_weekly(store, settings, NOW, week=WEEK)
    store.close()

    assert result.path.is_file() and result.mailed_to == ()
    assert "report.smtp_host" in result.mail_error
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "kept at" in warning.getMessage() and "not mailed" in warning.getMessage()


def test_only_the_last_reports_are_kept(tmp_path: Path) -> None:
    settings, store = edge(tmp_path, **{"report.keep": 2})

    for week in ("2026-W51", "2026-W45", "2026-W48", "2026-W47"):
        weekly_run.run_weekly(store, settings, NOW + timedelta(days=30), week=week)
    store.close()

    kept = sorted(p.name for p in settings.report_path.iterdir())
    assert kept == ["weekly-report-edge-1-2026-W48.pdf", "weekly-report-edge-1-2026-W51.pdf"]


def test_recipients_without_a_mail_server_stop_the_edge_naming_the_key() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(env={}, overrides={"report.recipients": MANAGERS})

    assert refused.value.key == "report.smtp_host"
    assert "report.recipients" in str(refused.value)


def test_a_malformed_schedule_or_address_is_refused_naming_the_key() -> None:
    for key, value in (("report.schedule", "monday 7am"), ("report.recipients", "boss")):
        with pytest.raises(ConfigError) as refused:
            load_settings(env={}, overrides={key: value})
        assert refused.value.key == key


# --- the schedule ---


def test_the_last_scheduled_time_is_this_weeks_or_the_one_before() -> None:
    monday_7 = (0, 7, 0)

    assert weekly_run.last_due(datetime(2026, 11, 30, 7, 0), monday_7) == datetime(2026, 11, 30, 7)
    assert weekly_run.last_due(datetime(2026, 11, 30, 6, 59), monday_7) == datetime(2026, 11, 23, 7)
    assert weekly_run.last_due(datetime(2026, 12, 3, 12), monday_7) == datetime(2026, 11, 30, 7)


class Clock:
    """A clock the test moves: the loop's sleep moves it on instead of waiting."""

    def __init__(self, at: datetime) -> None:
        self.at = at
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.at

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.at += timedelta(seconds=seconds)
        await asyncio.sleep(0.01)


def run_loop(store: Store, settings: Settings, clock: Clock, *, until: int) -> None:
    """Run the schedule until it has slept `until` times (the report runs in a thread)."""

    async def run() -> None:
        task = asyncio.create_task(
            weekly_run.report_loop(store, settings, clock=clock, sleep=clock.sleep)
        )
        while len(clock.slept) < until and not task.done():
            await asyncio.sleep(0.01)
        task.cancel()

    asyncio.run(run())


def test_an_edge_that_was_stopped_at_the_scheduled_time_makes_the_missed_report_at_start(
    tmp_path: Path,
) -> None:
    # Monday 30 November 07:05 in Shanghai is still Sunday 23:05 UTC: the report is of W48
    settings, store = edge(
        tmp_path, **{"report.schedule": "mon 07:00", "edge.timezone": "Asia/Shanghai"}
    )
    settings.report_path.mkdir()  # it has made reports before
    clock = Clock(datetime(2026, 11, 30, 7, 5, tzinfo=ZoneInfo("Asia/Shanghai")))

    run_loop(store, settings, clock, until=2)
    store.close()

    assert [p.name for p in settings.report_path.iterdir()] == [f"weekly-report-edge-1-{WEEK}.pdf"]
    assert clock.slept[0] == 3600.0  # then it sleeps till next Monday, an hour at a time


def test_a_new_edge_makes_its_first_report_at_the_first_scheduled_time(tmp_path: Path) -> None:
    settings, store = edge(tmp_path, **{"report.schedule": "mon 07:00"})
    clock = Clock(datetime(2026, 12, 3, 12, tzinfo=UTC))  # Thursday: last due Monday, missed

    run_loop(store, settings, clock, until=3)
    before_monday = settings.report_path.exists()
    run_loop(store, settings, clock, until=3 + 24 * 4)  # on to Monday 7 December 07:00
    store.close()

    assert before_monday is False
    assert clock.at >= datetime(2026, 12, 7, 7, tzinfo=UTC)
    made = [p.name for p in settings.report_path.iterdir()]
    assert made == ["weekly-report-edge-1-2026-W49.pdf"]


def test_no_schedule_means_no_run(tmp_path: Path) -> None:
    settings, store = edge(tmp_path)

    asyncio.run(asyncio.wait_for(weekly_run.report_loop(store, settings), timeout=5))
    store.close()

    assert not settings.report_path.exists()


# --- the command line ---


def test_the_command_writes_the_report_of_a_week(tmp_path: Path) -> None:
    settings, store = edge(tmp_path)
    store.close()
    out = tmp_path / "w48.pdf"
    env = {"WAREHOUSE_EDGE_EDGE_DATA_DIR": str(tmp_path)}

    ran = CliRunner().invoke(cli, ["report", "weekly", "--out", str(out), "--week", WEEK], env=env)

    assert ran.exit_code == 0, ran.output
    assert f"weekly report {WEEK} written to {out}" in ran.output
    assert "2026-11-23 – 2026-11-29" in text_of(out.read_bytes())


def test_the_command_refuses_a_week_that_does_not_exist(tmp_path: Path) -> None:
    env = {"WAREHOUSE_EDGE_EDGE_DATA_DIR": str(tmp_path)}

    ran = CliRunner().invoke(cli, ["report", "weekly", "--week", "2026-W60"], env=env)

    assert ran.exit_code == 1
    assert "bad_period" in ran.output
    assert not (tmp_path / "edge.db").exists()


def test_the_running_server_mails_the_report_it_missed_while_stopped(tmp_path: Path) -> None:
    from edge.api.app import create_app
    from tests.live import serving

    with smtp_server() as (inbox, port):
        settings, store = edge(tmp_path, **mailed(port, **{"report.schedule": "mon 07:00"}))
        settings.report_path.mkdir()  # it has made reports before
        with serving(create_app(settings, store=store)):
            for _ in range(600):
                if inbox.mail:
                    break
                time.sleep(0.05)
        store.close()

    [(to, message, _)] = inbox.mail
    assert to == ["boss@example.com", "ops@example.com"]
    week = message["Subject"].rsplit(" ", 1)[-1]
    assert (settings.report_path / f"weekly-report-edge-1-{week}.pdf").is_file()

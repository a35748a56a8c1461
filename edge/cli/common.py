"""What every subcommand shares: loading settings, opening the store, reporting errors."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from edge.config import ConfigError, Settings, load_settings
from edge.domain.errors import EdgeError

F = TypeVar("F", bound=Callable[..., Any])

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="TOML config file (default: $WAREHOUSE_EDGE_CONFIG, else built-in defaults).",
)


def settings_from(
    config_path: Path | None,
    overrides: Mapping[str, object] | None = None,
    *,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Load settings (`env`: os.environ) or stop with the bad key named (exit 2)."""
    try:
        return load_settings(config_path, env, overrides=overrides)
    except ConfigError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(2)


def reports_errors(fn: F) -> F:
    """Print an EdgeError's message (and code) instead of a traceback; exit 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except EdgeError as err:
            click.echo(f"error: {err.code}: {err.message('en')}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

"""What every subcommand shares: loading settings, opening the store, reporting errors."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from edge.config import ConfigError, Settings, load_settings
from edge.domain.errors import EdgeError
from kernel.logs import setup_logging as setup_logging  # the CLI commands take it from here

if TYPE_CHECKING:
    from edge.store.database import Store

F = TypeVar("F", bound=Callable[..., Any])
E = TypeVar("E", bound=Exception)

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="TOML config file (default: $WAREHOUSE_EDGE_CONFIG, else built-in defaults).",
)

db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Database file (overrides store.path; default <data_dir>/edge.db).",
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
        refuse_config(err)


def refuse_config(err: ConfigError) -> NoReturn:
    """Stop (exit 2) with the config key or file at fault named, in English then in Chinese."""
    click.echo(f"error: {err.message('en')}\n  {err.message('zh')}", err=True)
    sys.exit(2)


@contextmanager
def store_of(settings: Settings, *, create: bool = False) -> Iterator[Store]:
    """The store the settings name, migrated as it opens, closed on the way out. A database is
    made where there is none only by `create` (init) or where a config, the environment or
    --db named it: the built-in ./data is wherever the shell is, not the edge's database."""
    # the store: loaded when a command needs it, not at each `warehouse-edge` start-up
    from edge.store.database import Store

    named = "data_dir" in settings.edge.model_fields_set or settings.store.path is not None
    if not (create or named or settings.db_path.exists()):
        click.echo(
            f"error: no edge database at {settings.db_path}, the built-in default (no --config"
            " FILE, WAREHOUSE_EDGE_CONFIG or --db given). On an installed box add --config"
            " /etc/warehouse-edge/edge.toml; for a new edge run `warehouse-edge init` first.",
            err=True,
        )
        sys.exit(2)

    store = Store(
        settings.db_path, edge_id=settings.edge.id, busy_timeout_ms=settings.store.busy_timeout_ms
    )
    try:
        yield store
    finally:
        store.close()


def reporting(kind: type[E], say: Callable[[E], str]) -> Callable[[F], F]:
    """A command decorator: an error of `kind` is printed as one line, `error: ` and what `say`
    makes of it, instead of a traceback; exit 1."""

    def decorate(fn: F) -> F:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except kind as err:
                click.echo(f"error: {say(err)}", err=True)
                sys.exit(1)

        return wrapper  # type: ignore[return-value]

    return decorate


def said(err: EdgeError) -> str:
    """An EdgeError's code and its message in English, then in Chinese on the next line."""
    return f"{err.code}: {err.message('en')}\n  {err.message('zh')}"


reports_errors = reporting(EdgeError, said)


def example_option(what: str) -> Callable[[F], F]:
    """`--example`: print the packaged example CSV for `what` instead of importing a FILE."""
    return click.option(
        "--example",
        is_flag=True,
        help=f"Print the example {what} CSV (shipped with the package) to stdout and import"
        " nothing; without FILE. E.g. `... --example > file.csv`, edit it, then import it.",
    )


def print_example(name: str, file: Path | None) -> None:
    """Print the packaged example `name`.csv (edge/examples/) to stdout; FILE with it is refused."""
    if file is not None:
        raise click.UsageError("--example prints the example CSV and imports nothing: give no FILE")
    from importlib.resources import files  # loaded only when an example is asked for

    click.echo(files("edge").joinpath("examples", f"{name}.csv").read_text("utf-8"), nl=False)


def required_file(file: Path | None) -> Path:
    """FILE, which is optional only for --example: its absence refused as click refuses it."""
    if file is None:
        raise click.UsageError("Missing argument 'FILE' (or --example to print an example CSV).")
    return file

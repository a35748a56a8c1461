"""A file a command reads (an import, an export to ingest), as a click parameter type.

click.Path(exists=True) says "does not exist" for a file this user may not read (os.stat fails
the same way for both). Run as the service user (`sudo -u warehouse-edge …`), a file in root's
or a private home folder is exactly that, so the answer says who cannot read it and what to do.
Needs the standard library and click.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path
from typing import Any

import click


class InputFile(click.Path):
    """An existing, readable file (not a folder), given as a Path."""

    def __init__(self) -> None:
        super().__init__(exists=True, dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            os.stat(value)
            readable = os.access(value, os.R_OK)
        except PermissionError:
            readable = False
        except OSError:  # missing, or a bad name: click says which
            readable = True
        if not readable:
            user = pwd.getpwuid(os.geteuid()).pw_name
            self.fail(
                f"{os.fsdecode(value)!r} cannot be read by user {user} (permission denied on the"
                " file or a folder above it): copy it where that user can read it, e.g. /tmp.",
                param,
                ctx,
            )
        return super().convert(value, param, ctx)

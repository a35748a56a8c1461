"""Every key an installer may set, with what it expects: the sections' keys and the keys of each
item of the lists ([[scanners]] …), for the installer's guide (docs/installer.md)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic_core import PydanticUndefined

from edge.config.keys import env_var_name
from edge.config.loading import _expected, _toml
from edge.config.settings import LISTS, SECTIONS


@dataclass(frozen=True)
class KeyDoc:
    key: str  # server.port, or scanners[].baud for a key of a list's items
    env: str  # the variable that sets it (a list's variable takes the whole list as JSON)
    default: str  # as written in TOML; "required" when the key has none
    expected: str  # what a person should write
    description: str


def key_docs() -> list[KeyDoc]:
    """Every key of every section, then every key of each list's items, in the model's order."""
    docs = [
        KeyDoc(
            key=f"{section}.{name}",
            env=env_var_name(f"{section}.{name}"),
            default=_toml(field.default),
            expected=_expected(field),
            description=field.description or "",
        )
        for section, model in SECTIONS.items()
        for name, field in model.model_fields.items()
    ]
    return docs + [
        KeyDoc(
            key=f"{name}[].{key}",
            env=env_var_name(name),
            default="required" if field.default is PydanticUndefined else _toml(field.default),
            expected=_expected(field),
            description=field.description or "",
        )
        for name, model in LISTS.items()
        for key, field in model.model_fields.items()
    ]

"""Reading the TOML data files packaged beside the code (the only I/O the domain does)."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from typing import Any


def data_text(package: str, *parts: str) -> str:
    """The text of ``data/<parts…>`` of ``package``."""
    return files(package).joinpath("data", *parts).read_text(encoding="utf-8")


def load_toml(package: str, *parts: str) -> dict[str, Any]:
    """Parse ``data/<parts…>`` of ``package`` (a fresh dict each call: callers cache)."""
    return tomllib.loads(data_text(package, *parts))


def data_file_names(package: str, *folder: str) -> tuple[str, ...]:
    """Names of the TOML files in ``data/<folder…>`` of ``package``, sorted."""
    entries = files(package).joinpath("data", *folder).iterdir()
    return tuple(sorted(entry.name for entry in entries if entry.name.endswith(".toml")))

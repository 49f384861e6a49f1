"""Reading the TOML data files packaged beside the code (the only I/O the domain does)."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from typing import Any


def load_toml(package: str, *parts: str) -> dict[str, Any]:
    """Parse ``data/<parts…>`` of ``package``."""
    text = files(package).joinpath("data", *parts).read_text(encoding="utf-8")
    return tomllib.loads(text)


def data_file_names(package: str, folder: str) -> tuple[str, ...]:
    """Names of the TOML files in ``data/<folder>`` of ``package``, sorted."""
    entries = files(package).joinpath("data", folder).iterdir()
    return tuple(sorted(entry.name for entry in entries if entry.name.endswith(".toml")))

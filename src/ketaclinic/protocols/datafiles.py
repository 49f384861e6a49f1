"""Reading the TOML data files packaged beside the code (the only I/O the domain does)."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from typing import Any


def load_toml(package: str, name: str) -> dict[str, Any]:
    """Parse ``data/<name>`` of ``package``."""
    text = files(package).joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(text)

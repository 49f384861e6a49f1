"""The instrument definitions the records use: the packaged ones, then the clinic's own.

``settings.KETACLINIC_INSTRUMENT_FILES`` lists TOML files (same format as the packaged data)
that add or override definitions, e.g. the licensed FIQR wording or a band marked urgent;
an override keeps the id and changes the version, and stored assessments keep theirs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings

from ketaclinic.instruments import Registry, default_registry, load_registry


def registry() -> Registry:
    return _load(tuple(settings.KETACLINIC_INSTRUMENT_FILES))


@cache
def _load(paths: tuple[str, ...]) -> Registry:
    if not paths:
        return default_registry()
    return load_registry(extra_toml=[Path(path).read_text(encoding="utf-8") for path in paths])

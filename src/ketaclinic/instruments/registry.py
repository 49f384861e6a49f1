"""Loading definitions and bundles from TOML: the packaged files, then a clinic's own."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ketaclinic.core import data_file_names, data_text

from .definitions import Bundle, Definition
from .errors import DefinitionError, InstrumentError

LOCAL_CODE_SYSTEM = "urn:ketaclinic:instruments"
LOCAL_CODE_SOURCE = "ketaclinic local code (no LOINC code known; clinical.md §6)"

Model = TypeVar("Model", bound=BaseModel)


class Registry:
    """Definitions by id (the active version, and every version loaded) and bundles by id."""

    def __init__(self, definitions: Iterable[Definition], bundles: Iterable[Bundle]) -> None:
        self._versions: dict[tuple[str, str], Definition] = {}
        self._active: dict[str, Definition] = {}
        for definition in definitions:
            key = (definition.id, definition.version)
            if key in self._versions:
                raise DefinitionError(
                    f"{definition.id}.version",
                    f"version {definition.version} is loaded twice; an override must change it",
                )
            self._versions[key] = definition
            self._active[definition.id] = definition
        self._bundles: dict[str, Bundle] = {}
        for bundle in bundles:
            unknown = [i for i in bundle.instruments if i not in self._active]
            if unknown:
                raise DefinitionError(
                    f"bundles.{bundle.id}.instruments", f"unknown instruments {unknown}"
                )
            self._bundles[bundle.id] = bundle

    def get(self, instrument_id: str, version: str | None = None) -> Definition:
        """The active definition, or the given ``version``; InstrumentError if unknown."""
        definition = (
            self._active.get(instrument_id)
            if version is None
            else self._versions.get((instrument_id, version))
        )
        if definition is None:
            wanted = instrument_id if version is None else f"{instrument_id} version {version}"
            raise InstrumentError(
                "instrument", f"unknown instrument {wanted!r} (known: {', '.join(self.ids())})"
            )
        return definition

    def ids(self) -> tuple[str, ...]:
        return tuple(self._active)

    def definitions(self) -> tuple[Definition, ...]:
        """The active definitions, in load order."""
        return tuple(self._active.values())

    def versions(self, instrument_id: str) -> tuple[str, ...]:
        return tuple(version for (id_, version) in self._versions if id_ == instrument_id)

    def bundle(self, bundle_id: str) -> Bundle:
        if bundle_id not in self._bundles:
            raise InstrumentError(
                "bundle", f"unknown bundle {bundle_id!r} (known: {', '.join(self._bundles)})"
            )
        return self._bundles[bundle_id]

    def bundles(self) -> tuple[Bundle, ...]:
        return tuple(self._bundles.values())


def load_registry(extra_toml: Sequence[str] = ()) -> Registry:
    """The packaged definitions, then each TOML text in ``extra_toml`` in order.

    A later definition with an existing id overrides it (and must carry a new version);
    the earlier version stays available through ``Registry.get(id, version)``.
    """
    texts = list(packaged_toml().items())
    texts += [(f"extra[{index}]", text) for index, text in enumerate(extra_toml)]
    definitions: list[Definition] = []
    bundles: list[Bundle] = []
    for origin, text in texts:
        found_definitions, found_bundles = parse_toml(text, origin)
        definitions += found_definitions
        bundles += found_bundles
    return Registry(definitions, bundles)


@cache
def default_registry() -> Registry:
    """The packaged definitions, loaded once."""
    return load_registry()


def parse_toml(text: str, origin: str) -> tuple[list[Definition], list[Bundle]]:
    """Definitions (``[[instruments]]``) and bundles (``[[bundles]]``) in one TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DefinitionError(origin, f"not valid TOML: {error}") from error
    unknown = sorted(set(data) - {"instruments", "bundles"})
    if unknown:
        raise DefinitionError(origin, f"unknown top-level keys {unknown}")
    definitions = []
    for index, raw in enumerate(data.get("instruments", [])):
        where = f"{origin}: instruments[{index}]"
        definitions.append(_validate(Definition, _expand(raw, where), where))
    bundles = [
        _validate(Bundle, raw, f"{origin}: bundles[{index}]")
        for index, raw in enumerate(data.get("bundles", []))
    ]
    return definitions, bundles


def packaged_toml() -> dict[str, str]:
    """The packaged data files by name (a starting point for a clinic's own versions)."""
    return {name: data_text(__package__, name) for name in data_file_names(__package__)}


def _expand(raw: Any, where: str) -> Any:
    """Resolve each item's ``scale`` (default ``default``) from ``scales``, apply its own
    ``anchors``, and give a local code to the total and every item that has none."""
    if not isinstance(raw, dict):
        return raw
    instrument = dict(raw)
    scales = instrument.pop("scales", {})
    if not isinstance(scales, dict) or not all(isinstance(s, dict) for s in scales.values()):
        raise DefinitionError(f"{where}.scales", "must be tables of min, max, anchors, source")
    instrument.setdefault("codes", [_local_code(str(instrument.get("id")))])
    items = []
    for index, item in enumerate(instrument.get("items", [])):
        if not isinstance(item, dict):
            items.append(item)
            continue
        item = dict(item)
        if "answer" not in item:
            name = item.pop("scale", "default")
            if name not in scales:
                raise DefinitionError(f"{where}.items[{index}].scale", f"no scale named {name!r}")
            item["answer"] = dict(scales[name])
            if "anchors" in item:
                item["answer"]["anchors"] = item.pop("anchors")
        item.setdefault("codes", [_local_code(f"{instrument.get('id')}.{item.get('id')}")])
        items.append(item)
    instrument["items"] = items
    return instrument


def _local_code(code: str) -> dict[str, str]:
    return {
        "system": LOCAL_CODE_SYSTEM,
        "code": code,
        "status": "local",
        "source": LOCAL_CODE_SOURCE,
    }


def _validate(model: type[Model], raw: Any, where: str) -> Model:
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        path = ".".join(str(part) for part in first["loc"])
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise DefinitionError(
            f"{where}.{path}" if path else where, f"{first['msg']}{more}"
        ) from error

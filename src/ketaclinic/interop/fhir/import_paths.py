"""What an import kept of a resource, by FHIR path, and the list of what it did not keep."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ketaclinic.records.errors import FieldError

_EXTENSIONS = ("extension", "modifierExtension")


@dataclass
class PatientReading:
    """The record's fields read from one Patient, the FHIR path each came from, the paths
    kept (relative to ``Patient``; a kept path keeps everything under it) and the problems."""

    fields: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    kept: set[str] = field(default_factory=set)
    errors: list[FieldError] = field(default_factory=list)

    def keep(self, path: str) -> None:
        self.kept.add(path)


def _item_path(parent: str, key: str, index: int, item: Any) -> str:
    if key in _EXTENSIONS and isinstance(item, dict) and isinstance(item.get("url"), str):
        return f"{parent}[{item['url'].rstrip('/').rsplit('/', 1)[-1]}]"
    return f"{parent}[{index}]"


def _children(path: str, key: str, value: Any) -> list[tuple[str, str, Any]]:
    """(path, key, value) of each element directly under ``value``."""
    if isinstance(value, dict):
        return [(f"{path}.{k}" if path else k, k, v) for k, v in value.items()]
    if isinstance(value, list):
        return [(_item_path(path, key, i, v), key, v) for i, v in enumerate(value)]
    return []


def not_kept(resource: dict[str, Any], kept: set[str]) -> tuple[str, ...]:
    """Every element of ``resource`` that is not under a kept path, at the coarsest level
    (``Patient.address[1]``, not each of its parts), in the resource's order."""
    dropped: list[str] = []

    def walk(path: str, key: str, value: Any) -> None:
        if path in kept:
            return
        inside = [k for k in kept if k.startswith((f"{path}.", f"{path}["))] if path else kept
        named_items = key in _EXTENSIONS and isinstance(value, list)  # name each by its url
        if not inside and not named_items:
            dropped.append(f"{resource.get('resourceType', 'Resource')}.{path}")
            return
        for child_path, child_key, child in _children(path, key, value):
            walk(child_path, child_key, child)

    walk("", "", resource)
    return tuple(dropped)

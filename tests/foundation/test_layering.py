"""Arrows point down only: the pure domain imports neither Django nor the layers above it."""

from __future__ import annotations

import ast
from pathlib import Path

import ketaclinic

PACKAGE = Path(ketaclinic.__file__).parent
FACES_AND_RECORDS = (
    "ketaclinic.records",
    "ketaclinic.api",
    "ketaclinic.web",
    "ketaclinic.cli",
    "ketaclinic.interop",
)
DOMAIN = (
    "core",
    "pharmacology",
    "dosing",
    "instruments",
    "protocols",
    "scheduling",
    "outcomes",
    "screening",
    "sessions",
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_domain_packages_stay_pure() -> None:
    offenders = []
    for package in DOMAIN:
        for path in (PACKAGE / package).rglob("*.py") if (PACKAGE / package).exists() else ():
            for name in _imports(path):
                if name.split(".")[0] == "django" or name.startswith(FACES_AND_RECORDS):
                    offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []


def test_domain_core_imports_no_other_package() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in (PACKAGE / "core").rglob("*.py")
        for name in _imports(path)
        if name.startswith("ketaclinic.") and not name.startswith("ketaclinic.core")
    ]
    assert offenders == []


def test_records_do_not_import_faces() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in (PACKAGE / "records").rglob("*.py")
        for name in _imports(path)
        if name.startswith(("ketaclinic.api", "ketaclinic.web", "ketaclinic.cli"))
    ]
    assert offenders == []

"""Fixtures for the front-door tests: the two locations of ``front_door_support``."""

from __future__ import annotations

from typing import Any

import pytest
from front_door_support import GLENDALE, MANHATTAN, add_public_location


@pytest.fixture
def glendale(db: Any) -> Any:
    return add_public_location(GLENDALE)


@pytest.fixture
def manhattan(db: Any) -> Any:
    return add_public_location(MANHATTAN)


@pytest.fixture
def two_locations(glendale: Any, manhattan: Any) -> tuple[Any, Any]:
    return glendale, manhattan

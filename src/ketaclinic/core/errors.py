"""The one exception every pure domain package raises (or subclasses) for bad input."""

from __future__ import annotations


class DomainInputError(ValueError):
    """Bad input to a pure domain function; ``field`` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

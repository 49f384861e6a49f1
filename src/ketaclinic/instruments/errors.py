"""Exceptions for bad answers (InstrumentError) and bad definition data (DefinitionError)."""

from __future__ import annotations

from ketaclinic.core import DomainInputError


class InstrumentError(DomainInputError):
    """Bad input to scoring: unknown instrument or item, an answer out of range or missing.

    ``field`` is the item id (or ``instrument``) the message is about.
    """


class DefinitionError(DomainInputError):
    """An instrument definition file is malformed; ``field`` is the path inside it."""

"""Errors raised by services; every face maps them to its own answer (HTTP status, exit code)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class ServiceError(Exception):
    """Base of the errors a service raises; nothing has been written when one is raised."""

    audited = False
    """Set once the refusal has its audit entry (``toolkit.refusals``)."""


class InvalidInput(ServiceError):
    """One or more fields are wrong; each error names its field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))

    @classmethod
    def single(cls, field: str, message: str) -> InvalidInput:
        return cls([FieldError(field, message)])


class NotFound(ServiceError):
    """The object does not exist, or the actor may not know that it exists."""


class Forbidden(ServiceError):
    """The actor's role does not allow the action; the denial has been audited."""


class Conflict(ServiceError):
    """The change clashes with the current state of the records (e.g. a booked slot)."""

"""The refused-attempt rule, one for every app: an attempt refused for bad input, a clash with
the records or a missing record is audited as ``failed`` (a denial is audited as ``denied`` by
``authorize``). The entry is written after the service's transaction rolled back, so it stays
although nothing else was written. A service called by another (a waitlist offer booked through
``book_appointment``) leaves the refusal to the outermost attempt, which runs outside every
transaction: one entry, under the action the user asked for."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Concatenate, ParamSpec, TypeVar

from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.audit.choices import Outcome
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput, NotFound, ServiceError

P = ParamSpec("P")
R = TypeVar("R")
E = TypeVar("E", bound=ServiceError)

_depth: ContextVar[int] = ContextVar("attempt_depth", default=0)


@dataclass
class Attempt:
    """Filled in as the service learns whose record the attempt touches."""

    patient_id: int | None = None


def _detail(error: ServiceError, what: str) -> dict[str, object]:
    detail: dict[str, object] = {"error": str(error)[:1000], "refused_as": type(error).__name__}
    if isinstance(error, InvalidInput):
        detail["fields"] = sorted({e.field for e in error.errors})
    if what:
        detail["what"] = what
    return detail


@contextmanager
def attempt(
    actor: Actor, action: StrEnum, *, what: str = "", patient_id: int | None = None
) -> Iterator[Attempt]:
    """Audit a refusal raised inside as ``failed``; use it outside the service's transaction.
    ``what`` names the entry tried (``"vitals"``) when one action covers several."""
    tried = Attempt(patient_id)
    depth = _depth.set(_depth.get() + 1)
    try:
        yield tried
    except (InvalidInput, Conflict, NotFound) as error:
        if _depth.get() == 1 and not error.audited:
            audit.record(
                actor,
                action,
                outcome=Outcome.FAILED,
                patient_id=tried.patient_id,
                detail=_detail(error, what),
            )
            error.audited = True
        raise
    finally:
        _depth.reset(depth)


def audits_refusals(
    action: StrEnum,
) -> Callable[[Callable[Concatenate[Actor, P], R]], Callable[Concatenate[Actor, P], R]]:
    """Decorate a service whose first argument is the actor: its refusals are audited."""

    def decorate(service: Callable[Concatenate[Actor, P], R]) -> Callable[Concatenate[Actor, P], R]:
        @functools.wraps(service)
        def audited(actor: Actor, /, *args: P.args, **kwargs: P.kwargs) -> R:
            with attempt(actor, action):
                return service(actor, *args, **kwargs)

        return audited

    return decorate


def refuse(
    actor: Actor,
    action: StrEnum,
    error: E,
    *,
    obj: Any = None,
    patient_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> E:
    """Audit a refusal now, with the record and detail the service knows, and return the error
    to raise (marked audited, so an enclosing ``attempt`` does not write it again)."""
    audit.record(
        actor, action, outcome=Outcome.FAILED, obj=obj, patient_id=patient_id, detail=detail
    )
    error.audited = True
    return error


def record_missing(actor: Actor, error: NotFound, *, path: str, patient_id: Any = None) -> None:
    """Audit a read of a record that does not exist (a probe of ids) as ``failed``, unless the
    service's refusal rule already did; ``path`` is what was asked for (no query string)."""
    if error.audited or not actor.user.is_authenticated:
        return
    audit.record(
        actor,
        Audited.RECORD_MISSING,
        outcome=Outcome.FAILED,
        patient_id=patient_id if isinstance(patient_id, int) else None,
        detail={"path": path[:300], "error": str(error)[:300]},
    )
    error.audited = True

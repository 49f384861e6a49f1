"""Finding a record or refusing: ``NotFound`` for the record a path names, ``InvalidInput`` for
the one a field names, and authorizing on a record's patient before looking further."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput, NotFound

M = TypeVar("M", bound=models.Model)


def get_or_404(queryset: models.QuerySet[M], key: Any, label: str, *, by: str = "pk") -> M:
    """The row whose ``by`` is ``key``, or ``NotFound`` ("location 'north' does not exist")."""
    try:
        return queryset.get(**{by: key})
    except ObjectDoesNotExist:
        raise NotFound(f"{label} {key!r} does not exist") from None


def get_or_invalid(
    queryset: models.QuerySet[M], key: Any, field: str, label: str, *, by: str = "pk"
) -> M:
    """The row a form or body names in ``field``, or ``InvalidInput`` naming that field."""
    try:
        return queryset.get(**{by: key})
    except ObjectDoesNotExist:
        noun = "id" if by == "pk" else f"the {by}"
        raise InvalidInput.single(field, f"no {label} has {noun} {key!r}") from None


def patient_id_of(model: type[models.Model], pk: int, patient_path: str) -> int | None:
    """The patient the object ``pk`` belongs to; None if it does not exist."""
    rows = model._default_manager.filter(pk=pk).values_list(patient_path, flat=True)
    patient_id: int | None = rows.first()
    return patient_id


def authorize_on(
    actor: Actor, action: Action, model: type[models.Model], pk: int, patient_path: str
) -> int | None:
    """Authorize ``action`` on the patient of the object ``pk`` before looking further (so a
    forbidden caller learns nothing, and a denial is audited with the patient when known)."""
    patient_id = patient_id_of(model, pk, patient_path)
    authorize(actor, action, patient_id=patient_id)
    return patient_id

"""What every web form shares: the fields posted, the page asked for, and a service's refusal
turned into form errors (422 for bad input, 409 for a clash) so the form is shown again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, NamedTuple, TypeVar

from django.http import HttpRequest

from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.pages import LAST_PAGE

T = TypeVar("T")

UNTRIMMED = frozenset({"password", "witness_password"})
# What a signer re-enters to sign (web/_signer.html; records/accounts/signatures.py).
SIGNER_FIELDS = ("password", "otp")


def posted(request: HttpRequest, *names: str) -> dict[str, str]:
    """The named form fields that were filled in, trimmed (a password as typed); blanks left
    out so the service names a missing one."""
    values = {
        name: value if name in UNTRIMMED else value.strip()
        for name in names
        if (value := request.POST.get(name, ""))
    }
    return {name: value for name, value in values.items() if value != ""}


def page_number(request: HttpRequest) -> int:
    """The ``page`` asked for in the query string; 1 when absent or not a whole number ≥ 1,
    at most ``LAST_PAGE`` (a list past its end shows its last page)."""
    try:
        return min(max(1, int(request.GET.get("page", "1"))), LAST_PAGE)
    except ValueError:
        return 1


def field_errors(error: InvalidInput, *, dotted: bool = False) -> dict[str, str]:
    """Errors keyed by the top-level field (or, ``dotted``, the whole path such as
    ``vitals.weight_kg``), for showing beside the form's inputs."""
    errors: dict[str, str] = {}
    for item in error.errors:
        errors.setdefault(item.field if dotted else item.field.split(".")[0], item.message)
    return errors


def refusal(
    error: InvalidInput | Conflict, clash_field: str, *, dotted: bool = False
) -> tuple[dict[str, str], int]:
    """A refused call as form errors and status: the bad fields (422), or the clash shown at
    ``clash_field`` (409)."""
    if isinstance(error, InvalidInput):
        return field_errors(error, dotted=dotted), 422
    return {clash_field: str(error)}, 409


class Attempt(NamedTuple, Generic[T]):
    """A service call's result, or why it was refused: field errors, the clash, the status."""

    value: T | None
    errors: dict[str, str]
    clash: str
    status: int


def attempt(call: Callable[[], T]) -> Attempt[T]:
    """Run a service call; a refusal becomes form errors (422) or a clash message (409)."""
    try:
        return Attempt(call(), {}, "", 200)
    except InvalidInput as error:
        return Attempt(None, field_errors(error), "", 422)
    except Conflict as error:
        return Attempt(None, {}, str(error), 409)

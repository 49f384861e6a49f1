"""Every error the API returns is JSON: ``{"detail": ..., "errors": [{"field", "message"}]}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError, DataError, IntegrityError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from ketaclinic.records.context import Actor, Face
from ketaclinic.records.enquiries.throttle import RateLimited
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput, NotFound
from ketaclinic.records.toolkit import record_missing

from .middleware import server_error


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut] = []


# The error answers every endpoint may give, for the OpenAPI document.
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
    500: ErrorOut,
}


class Unauthorized(Exception):
    pass


def _field(loc: list[Any]) -> str:
    # ninja prefixes the location with the parameter source and name: ("body", "data", "x").
    parts = [str(part) for part in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    return ".".join(parts) or "body"


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind == "missing":
        return "is required"
    return str(error.get("msg", "is not valid")).removeprefix("Value error, ")


def _too_large(request: HttpRequest) -> list[str]:
    """The path and query parameters holding a whole number beyond the database's 64 bits."""
    match = request.resolver_match
    values = {**request.GET.dict(), **(match.kwargs if match else {})}
    return [
        name
        for name, value in values.items()
        if str(value).lstrip("+-").isdigit() and abs(int(value)) >= 2**63
    ]


def install(api: NinjaAPI) -> None:
    """Register the handlers that turn service and parsing errors into JSON answers."""

    def respond(
        request: HttpRequest, status: int, detail: str, errors: list[dict[str, str]] | None = None
    ) -> HttpResponse:
        return api.create_response(
            request, {"detail": detail, "errors": errors or []}, status=status
        )

    @api.exception_handler(NinjaValidationError)
    def validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [{"field": _field(e.get("loc", [])), "message": _message(e)} for e in exc.errors]
        return respond(request, 422, "invalid input", errors)

    @api.exception_handler(InvalidInput)
    def invalid(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
        errors = [{"field": e.field, "message": e.message} for e in exc.errors]
        return respond(request, 422, "invalid input", errors)

    @api.exception_handler(NotFound)
    def not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
        caller = getattr(request, "auth", None)
        if caller is not None:  # a probe of ids by a caller who may look
            match = request.resolver_match
            record_missing(
                Actor.from_request(request, Face.API, user=caller),
                exc,
                path=request.path,
                patient_id=match.kwargs.get("patient_id") if match else None,
            )
        return respond(request, 404, str(exc))

    @api.exception_handler(Forbidden)
    def forbidden(request: HttpRequest, exc: Forbidden) -> HttpResponse:
        return respond(request, 403, str(exc))

    @api.exception_handler(Conflict)
    def conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        # A refused step names each thing missing (a field, or a gate a physician may override).
        named = getattr(exc, "errors", [])
        return respond(
            request, 409, str(exc), [{"field": e.field, "message": e.message} for e in named]
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, "authentication required: send Authorization: Bearer <token>")

    @api.exception_handler(Unauthorized)
    def bad_credentials(request: HttpRequest, exc: Unauthorized) -> HttpResponse:
        return respond(request, 401, str(exc))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja answers 400 when the body is not JSON at all.
        errors = (
            [{"field": "body", "message": "is not valid JSON"}] if exc.status_code == 400 else []
        )
        return respond(request, exc.status_code, str(exc), errors)

    @api.exception_handler(IntegrityError)
    def clash(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        # A database constraint caught what a service's own checks could not see: a change
        # made by someone else at the same moment. Nothing of this request was saved.
        return respond(
            request,
            409,
            "this clashes with a change saved at the same moment by someone else; nothing was "
            "saved: reload, check the current state and decide again",
        )

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return respond(
            request, 413, "the request body is too large", [{"field": "body", "message": str(exc)}]
        )

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return respond(request, 400, "the request was refused as malformed")

    @api.exception_handler(RateLimited)
    def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        answer = respond(request, 429, f"too many costly requests: {exc}")
        answer["Retry-After"] = str(exc.retry_after_s)
        return answer

    def out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
        # A number too large for the database (an id of 30 digits): the parameter that held it.
        # SQLite's driver raises OverflowError; PostgreSQL answers "bigint out of range".
        named = _too_large(request)
        if not named:
            return server_error(request, exc)
        errors = [{"field": name, "message": "is out of range"} for name in named]
        return respond(request, 422, "invalid input", errors)

    @api.exception_handler(OverflowError)
    def overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        return out_of_range(request, exc)

    @api.exception_handler(DatabaseError)
    def database(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
        if isinstance(exc, DataError):
            return out_of_range(request, exc)
        return server_error(request, exc)

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        return server_error(request, exc)

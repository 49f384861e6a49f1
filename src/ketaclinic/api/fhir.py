"""FHIR R4 read endpoints under /fhir/ (JSON as ``application/fhir+json``, bearer token, the
same permissions and audit as the rest, face ``fhir``), and the import of a Bundle of Patient
resources under /api/imports (JSON API errors)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Body, NinjaAPI, Query, Router, Schema
from ninja.errors import AuthenticationError, ValidationError

from ketaclinic.interop.fhir import Addresser, observation_bundle, patient_bundle, patient_resource
from ketaclinic.interop.fhir.importing import read_patient_bundle
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.context import Actor, Face
from ketaclinic.records.errors import Forbidden, InvalidInput, NotFound
from ketaclinic.records.outcomes import exchange
from ketaclinic.records.patients import services as patients

from .auth import BearerToken, actor
from .errors import ERRORS

FHIR_JSON = "application/fhir+json"

fhir_api = NinjaAPI(
    title="ketaclinic FHIR R4",
    version="4.3.0",
    description=(
        "Read-only FHIR R4 (4.3, 'R4B') resources: Patient and Observation search. Send "
        "`Authorization: Bearer <token>` (from POST /api/auth/token). Errors are "
        "OperationOutcome resources."
    ),
    auth=BearerToken(),
    urls_namespace="fhir",
)


def _fhir_actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, Face.FHIR, user=request.auth)  # type: ignore[attr-defined]


def _answer(resource: dict[str, Any], status: int = 200) -> HttpResponse:
    import json

    return HttpResponse(json.dumps(resource), status=status, content_type=FHIR_JSON)


def _outcome(status: int, code: str, text: str, expression: str | None = None) -> HttpResponse:
    issue: dict[str, Any] = {"severity": "error", "code": code, "diagnostics": text}
    if expression:
        issue["expression"] = [expression]
    return _answer({"resourceType": "OperationOutcome", "issue": [issue]}, status)


def _base(request: HttpRequest) -> Addresser:
    return Addresser(request.build_absolute_uri("/fhir").rstrip("/"))


@fhir_api.exception_handler(NotFound)
def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return _outcome(404, "not-found", str(exc))


@fhir_api.exception_handler(Forbidden)
def _forbidden(request: HttpRequest, exc: Forbidden) -> HttpResponse:
    return _outcome(403, "forbidden", str(exc))


@fhir_api.exception_handler(InvalidInput)
def _invalid(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    first = exc.errors[0]
    return _outcome(400, "invalid", f"{first.field}: {first.message}", first.field)


@fhir_api.exception_handler(ValidationError)
def _bad_parameter(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    error = exc.errors[0]
    field = str(error.get("loc", ["", "", "parameter"])[-1])
    return _outcome(400, "invalid", f"{field}: {error.get('msg', 'is not valid')}", field)


@fhir_api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _outcome(401, "login", "authentication required: send Authorization: Bearer <token>")


class ObservationSearch(Schema):
    patient: int


@fhir_api.get("/Patient/{patient_id}", response={200: dict[str, Any]}, tags=["fhir"])
def read_patient(request: HttpRequest, patient_id: int) -> HttpResponse:
    """One Patient resource (``patient.view``)."""
    chart = patients.get_chart(_fhir_actor(request), patient_id)
    return _answer(patient_resource(chart.patient))


@fhir_api.get("/Patient/{patient_id}/$everything", response={200: dict[str, Any]}, tags=["fhir"])
def patient_everything(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient's whole record as a Bundle (``export.fhir``)."""
    record = exchange.patient_record(_fhir_actor(request), patient_id)
    return _answer(patient_bundle(record, timezone.now(), _base(request)))


@fhir_api.get("/Observation", response={200: dict[str, Any]}, tags=["fhir"])
def search_observations(request: HttpRequest, params: Query[ObservationSearch]) -> HttpResponse:
    """Scores (survey) and weights and heights (vital signs) of ``patient`` as a searchset
    Bundle (``assessment.view``)."""
    record = exchange.patient_record(
        _fhir_actor(request),
        params.patient,
        action=Action.ASSESSMENT_VIEW,
        view="fhir_observations",
    )
    return _answer(observation_bundle(record, timezone.now(), _base(request)))


import_router = Router(tags=["fhir"])


class ImportQuery(Schema):
    mode: exchange.ImportMode = exchange.ImportMode.DRY_RUN


class ImportLineOut(Schema):
    position: int
    label: str
    status: str
    messages: list[str]
    mrn: str
    patient_id: int | None


class ImportReportOut(Schema):
    mode: str
    imported: int
    invalid: int
    lines: list[ImportLineOut]


@import_router.post("/fhir-patients", response={200: ImportReportOut, **ERRORS})
def import_patients(
    request: HttpRequest, params: Query[ImportQuery], bundle: Body[dict[str, Any]]
) -> dict[str, Any]:
    """Import a Bundle of Patient resources. ``mode``: ``dry_run`` (default: report only),
    ``all_or_nothing`` (none when any entry is invalid) or ``valid_only``."""
    import json

    report = exchange.import_patients(
        actor(request), read_patient_bundle(json.dumps(bundle)), params.mode
    )
    return {
        "mode": str(report.mode),
        "imported": report.imported,
        "invalid": report.invalid,
        "lines": report.lines,
    }

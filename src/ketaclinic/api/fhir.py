"""FHIR R4 (4.0.1) endpoints under /fhir/: the CapabilityStatement at ``metadata``, Patient
read and search by identifier, ``$everything``, and searches of one patient's Observations,
Conditions, QuestionnaireResponses, MedicationAdministrations and Appointments with paging
(``application/fhir+json``, bearer token, the same permissions and audit as the rest, face
``fhir``; every error an OperationOutcome); and the import of a Bundle of Patient resources
under /api/imports (JSON API errors)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Body, NinjaAPI, Query, Router, Schema
from ninja.errors import AuthenticationError, ValidationError

from ketaclinic.instruments import InstrumentError
from ketaclinic.interop.fhir import Addresser, patient_resource, read_patient_bundle
from ketaclinic.interop.fhir.capability import capability_statement
from ketaclinic.interop.fhir.codes import mrn_system
from ketaclinic.interop.fhir.export import record_resources, searchset
from ketaclinic.interop.fhir.questionnaires import questionnaire_resource
from ketaclinic.interop.fhir.search import (
    Search,
    SearchError,
    SearchPage,
    read_search,
    search_page,
)
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.assessments.registry import registry
from ketaclinic.records.context import Actor, Face
from ketaclinic.records.enquiries.throttle import RateLimited
from ketaclinic.records.errors import Forbidden, InvalidInput, NotFound
from ketaclinic.records.outcomes import exchange
from ketaclinic.records.patients import lookups
from ketaclinic.records.patients import services as patients

from .auth import BearerToken, actor
from .costly import count_costly
from .errors import ERRORS
from .middleware import FHIR_JSON, operation_outcome

fhir_api = NinjaAPI(
    title="ketaclinic FHIR R4",
    version="4.0.1",
    description=(
        "Read-only FHIR R4 (4.0.1): see GET /fhir/metadata for what is supported. Send "
        "`Authorization: Bearer <token>` (from POST /api/auth/token). Errors are "
        "OperationOutcome resources."
    ),
    auth=BearerToken(),
    urls_namespace="fhir",
)
# The patient-compartment searches and the permission each needs (and is audited under).
COMPARTMENT_SEARCHES = {
    "Observation": Action.ASSESSMENT_VIEW,
    "Condition": Action.ASSESSMENT_VIEW,
    "QuestionnaireResponse": Action.ASSESSMENT_VIEW,
    "MedicationAdministration": Action.EXPORT_FHIR,
    "Appointment": Action.EXPORT_FHIR,
}


def _fhir_actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, Face.FHIR, user=request.auth)  # type: ignore[attr-defined]


def _answer(resource: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(resource), status=status, content_type=FHIR_JSON)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir").rstrip("/")


def _base(request: HttpRequest) -> Addresser:
    return Addresser(_base_url(request))


def _search(request: HttpRequest, resource_type: str) -> Search:
    lenient = "handling=lenient" in request.headers.get("Prefer", "").replace(" ", "")
    parameters = [(name, value) for name, values in request.GET.lists() for value in values]
    return read_search(resource_type, parameters, lenient=lenient)


def _found(request: HttpRequest, resources: list[dict[str, Any]], search: Search) -> HttpResponse:
    url = f"{_base_url(request)}/{search.resource_type}"
    page = search_page(resources, search, url)
    return _answer(searchset(page, _base(request), timezone.now()))


@fhir_api.exception_handler(NotFound)
def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return operation_outcome(404, "not-found", str(exc))


@fhir_api.exception_handler(Forbidden)
def _forbidden(request: HttpRequest, exc: Forbidden) -> HttpResponse:
    return operation_outcome(403, "forbidden", str(exc))


@fhir_api.exception_handler(InvalidInput)
def _invalid(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    first = exc.errors[0]
    return operation_outcome(400, "invalid", f"{first.field}: {first.message}", first.field)


@fhir_api.exception_handler(SearchError)
def _unsupported_search(request: HttpRequest, exc: SearchError) -> HttpResponse:
    code = "not-supported" if "not a supported" in str(exc) else "invalid"
    return operation_outcome(400, code, str(exc), exc.field)


@fhir_api.exception_handler(ValidationError)
def _bad_parameter(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    error = exc.errors[0]
    field = str(error.get("loc", ["", "", "parameter"])[-1])
    return operation_outcome(400, "invalid", f"{field}: {error.get('msg', 'is not valid')}", field)


@fhir_api.exception_handler(RateLimited)
def _throttled(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    answer = operation_outcome(429, "throttled", f"too many costly requests: {exc}")
    answer["Retry-After"] = str(exc.retry_after_s)
    return answer


@fhir_api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    answer = operation_outcome(
        401, "login", "authentication required: send Authorization: Bearer <token>"
    )
    answer["WWW-Authenticate"] = 'Bearer realm="ketaclinic FHIR"'
    return answer


@fhir_api.get("/metadata", auth=None, response={200: dict[str, Any]}, tags=["fhir"])
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: what this server supports (no log-in needed)."""
    return _answer(capability_statement(_base_url(request), timezone.now()))


@fhir_api.get("/Patient", response={200: dict[str, Any]}, tags=["fhir"])
def search_patients(request: HttpRequest) -> HttpResponse:
    """``Patient?identifier=[system|]MRN``: the patient with that medical record number, as a
    searchset (``patient.search``, then ``patient.view``)."""
    count_costly(request)
    search = _search(request, "Patient")
    assert search.identifier is not None
    assert search.identifier.code is not None
    resources = []
    if search.identifier.system in (None, mrn_system()):
        who = _fhir_actor(request)
        try:
            patient_id = lookups.patient_id_by_mrn(who, search.identifier.code)
        except NotFound:
            patient_id = None
        if patient_id is not None:
            resources.append(patient_resource(patients.get_chart(who, patient_id).patient))
    return _found(request, resources, search)


@fhir_api.get("/Questionnaire/{questionnaire_id}", response={200: dict[str, Any]}, tags=["fhir"])
def read_questionnaire(request: HttpRequest, questionnaire_id: str) -> HttpResponse:
    """An instrument version as a Questionnaire, e.g. ``phq9-1.0.0`` (no patient data: any
    logged-in user, like the instrument definitions)."""
    instrument, _, version = questionnaire_id.rpartition("-")
    try:
        definition = registry().get(instrument.replace("-", "_"), version)
    except InstrumentError as error:
        raise NotFound(f"no questionnaire {questionnaire_id!r}") from error
    return _answer(questionnaire_resource(definition))


@fhir_api.get("/Patient/{patient_id}", response={200: dict[str, Any]}, tags=["fhir"])
def read_patient(request: HttpRequest, patient_id: int) -> HttpResponse:
    """One Patient resource (``patient.view``)."""
    chart = patients.get_chart(_fhir_actor(request), patient_id)
    return _answer(patient_resource(chart.patient))


@fhir_api.get("/Patient/{patient_id}/$everything", response={200: dict[str, Any]}, tags=["fhir"])
def patient_everything(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient's whole record as a searchset Bundle (``export.fhir``)."""
    count_costly(request)
    record = exchange.patient_record(_fhir_actor(request), patient_id)
    resources = record_resources(record, _base(request))
    url = f"{_base_url(request)}/Patient/{patient_id}/$everything"
    page = SearchPage(resources, len(resources), [{"relation": "self", "url": url}])
    return _answer(searchset(page, _base(request), timezone.now()))


def _compartment_search(resource_type: str, action: Action) -> None:
    def search_compartment(request: HttpRequest) -> HttpResponse:
        count_costly(request)
        search = _search(request, resource_type)
        assert search.patient_id is not None
        record = exchange.patient_record(
            _fhir_actor(request),
            search.patient_id,
            action=action,
            view=f"fhir_{resource_type.lower()}",
        )
        return _found(request, record_resources(record, _base(request)), search)

    search_compartment.__name__ = f"search_{resource_type.lower()}"
    search_compartment.__doc__ = (
        f"One patient's {resource_type} resources (``patient`` or ``subject`` required) as a "
        f"searchset with ``_count`` paging (``{action.value}``)."
    )
    fhir_api.get(f"/{resource_type}", response={200: dict[str, Any]}, tags=["fhir"])(
        search_compartment
    )


for _type, _action in COMPARTMENT_SEARCHES.items():
    _compartment_search(_type, _action)


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
    count_costly(request)
    report = exchange.import_patients(
        actor(request), read_patient_bundle(json.dumps(bundle)), params.mode
    )
    return {
        "mode": str(report.mode),
        "imported": report.imported,
        "invalid": report.invalid,
        "lines": report.lines,
    }

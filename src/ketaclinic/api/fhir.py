"""FHIR R4 (4.0.1) endpoints under /fhir/: the CapabilityStatement at ``metadata``, Patient
read and search by identifier, ``$everything``, and searches of one patient's Observations,
Conditions, QuestionnaireResponses, MedicationAdministrations, Appointments, Encounters and
Procedures with paging
(``application/fhir+json``, bearer token, the same permissions and audit as the rest, face
``fhir``; every error an OperationOutcome); and the import of a Bundle of Patient resources
under /api/imports (JSON API errors)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import http_date
from ninja import NinjaAPI, Query, Router, Schema, Status
from ninja.errors import AuthenticationError, ValidationError

from ketaclinic.instruments import InstrumentError
from ketaclinic.interop.fhir import Addresser, bulk, patient_resource, read_patient_bundle
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
from ketaclinic.records.exports import services as bulk_exports
from ketaclinic.records.outcomes import exchange
from ketaclinic.records.patients import lookups
from ketaclinic.records.patients import services as patients

from .auth import BearerToken, actor
from .costly import count_costly
from .errors import ERRORS, ErrorOut
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
    "Encounter": Action.EXPORT_FHIR,
    "Procedure": Action.EXPORT_FHIR,
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
    not_kept: list[str]
    """What the entry holds that the patient record cannot keep (FHIR paths)."""


class ImportReportOut(Schema):
    mode: str
    imported: int
    invalid: int
    lines: list[ImportLineOut]


def _size(size: int) -> str:
    return f"{size / 2**20:.1f} MiB" if size >= 2**20 else f"{size / 2**10:.0f} KiB"


@import_router.post(
    "/fhir-patients",
    response={200: ImportReportOut, 413: ErrorOut, **ERRORS},
    openapi_extra={
        "requestBody": {
            "content": {"application/fhir+json": {"schema": {"type": "object"}}},
            "required": True,
        }
    },
)
def import_patients(request: HttpRequest, params: Query[ImportQuery]) -> Any:
    """Import a Bundle of Patient resources (the body). ``mode``: ``dry_run`` (default: report
    only), ``all_or_nothing`` (none when any entry is invalid) or ``valid_only``. A Bundle
    larger than the upload limit is refused (413) naming the limit."""
    try:
        content = request.body
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        size = int(request.headers.get("Content-Length") or 0)
        message = (
            f"the Bundle is {_size(size)}; the API accepts up to {_size(limit)}: "
            "split it, or import it with the command `ketaclinic import fhir FILE`"
        )
        return Status(413, {"detail": message, "errors": [{"field": "file", "message": message}]})
    count_costly(request)
    report = exchange.import_patients(actor(request), read_patient_bundle(content), params.mode)
    return {
        "mode": str(report.mode),
        "imported": report.imported,
        "invalid": report.invalid,
        "lines": report.lines,
    }


# FHIR Bulk Data export (Bulk Data Access IG v2): kick-off, status, cancel, files.
BULK_PARAMETERS = frozenset({"_outputFormat", "_type", "_since"})
RETRY_AFTER_S = 5


def _kick_off(request: HttpRequest, group: str) -> HttpResponse:
    prefer = request.headers.get("Prefer", "").replace(" ", "")
    if "respond-async" not in prefer.split(","):
        return operation_outcome(
            400, "invalid", "a bulk export needs the header Prefer: respond-async", "Prefer"
        )
    lenient = "handling=lenient" in prefer
    for name in request.GET:
        if name not in BULK_PARAMETERS and not lenient:
            return operation_outcome(
                400, "not-supported", f"{name} is not a supported $export parameter", name
            )
    output_format = request.GET.get("_outputFormat")
    if output_format and output_format not in bulk.OUTPUT_FORMATS:
        return operation_outcome(
            400, "not-supported", f"only {bulk.NDJSON} is produced", "_outputFormat"
        )
    job_id = bulk.kick_off(
        _fhir_actor(request),
        request.build_absolute_uri(),
        group,
        bulk.parse_types(request.GET.get("_type")),
        bulk.parse_since(request.GET.get("_since")),
    )
    answer = HttpResponse(status=202)
    answer["Content-Location"] = f"{_base_url(request)}/bulkstatus/{job_id}"
    return answer


@fhir_api.get("/$export", response={202: None}, tags=["fhir"])
def export_system(request: HttpRequest) -> HttpResponse:
    """Start a bulk export of every patient (``Prefer: respond-async``; ``_type``,
    ``_since``; ``export.csv``): 202 with the status URL in ``Content-Location``."""
    return _kick_off(request, "")


@fhir_api.get("/Group/{group_id}/$export", response={202: None}, tags=["fhir"])
def export_group(request: HttpRequest, group_id: str) -> HttpResponse:
    """Start a bulk export of one location's patients (those with a visit booked there; the
    group id is the location's short name, e.g. ``main``)."""
    return _kick_off(request, group_id)


@fhir_api.get("/bulkstatus/{job_id}", response={200: dict[str, Any], 202: None}, tags=["fhir"])
def export_status(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """The export's progress (202 with ``X-Progress`` and ``Retry-After``), its manifest
    (200) when done, or its error (500); only for who asked."""
    job = bulk_exports.export_status(_fhir_actor(request), str(job_id))
    if job.status in ("queued", "running"):
        answer = HttpResponse(status=202)
        answer["X-Progress"] = f"{job.patients_done} of {job.patients_total or '?'} patients"
        answer["Retry-After"] = str(RETRY_AFTER_S)
        return answer
    if job.status == "failed":
        return operation_outcome(500, "exception", job.error)
    base = _base_url(request)
    body = bulk.manifest(job, lambda kind: f"{base}/bulkfiles/{job.pk}/{kind}.ndjson")
    answer = HttpResponse(json.dumps(body), content_type="application/json")
    answer["Expires"] = http_date((job.created_at + bulk_exports.keep_for()).timestamp())
    return answer


@fhir_api.delete("/bulkstatus/{job_id}", response={202: None}, tags=["fhir"])
def cancel_export(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """Cancel the export and delete its files (202)."""
    bulk_exports.cancel_export(_fhir_actor(request), str(job_id))
    return HttpResponse(status=202)


@fhir_api.get("/bulkfiles/{job_id}/{file_name}", response={200: None}, tags=["fhir"])
def export_file(request: HttpRequest, job_id: uuid.UUID, file_name: str) -> FileResponse:
    """One of the export's NDJSON files (``application/fhir+ndjson``), only for who asked."""
    resource_type = file_name.removesuffix(".ndjson")
    path = bulk_exports.export_file(_fhir_actor(request), str(job_id), resource_type)
    return FileResponse(path.open("rb"), content_type=bulk.NDJSON)

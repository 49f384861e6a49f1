"""Every answer under ``/api/`` is JSON, and every error under ``/fhir/`` an OperationOutcome,
even when the error arises outside an endpoint.

Django and its middleware answer some errors themselves (a lockout, a request too large, a
database that went away before the view ran, a path that does not exist) with an HTML page; an
API client cannot read that. This middleware turns such answers into the API's error shape (or
FHIR's) and gives every server error an id that also appears in the server log.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger("ketaclinic.api")

API_PREFIX = "/api/"
FHIR_PREFIX = "/fhir/"
FHIR_JSON = "application/fhir+json; fhirVersion=4.0"
HTML_PAGES = ("/api/docs",)  # the interactive documentation is a page on purpose


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX) and not request.path.startswith(HTML_PAGES)


def is_fhir_request(request: HttpRequest) -> bool:
    return request.path.startswith(FHIR_PREFIX)


def operation_outcome(
    status: int, code: str, text: str, expression: str | None = None
) -> HttpResponse:
    """A FHIR error: one OperationOutcome issue (``code`` from FHIR's issue-type value set)."""
    issue: dict[str, object] = {"severity": "error", "code": code, "diagnostics": text}
    if expression:
        issue["expression"] = [expression]
    body = {"resourceType": "OperationOutcome", "issue": [issue]}
    return HttpResponse(json.dumps(body), status=status, content_type=FHIR_JSON)


def _logged(request: HttpRequest, exc: BaseException) -> str:
    error_id = uuid.uuid4().hex[:12]
    logger.error(
        "error %s on %s %s",
        error_id,
        request.method,
        request.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return error_id


def server_error(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 500 answer: an error id for the log and for the person who reports it."""
    error_id = _logged(request, exc)
    detail = (
        f"server error {error_id}: nothing was saved by this request; "
        "try again shortly, and quote this id if it persists"
    )
    if is_fhir_request(request):
        return operation_outcome(500, "exception", detail)
    return JsonResponse({"detail": detail, "errors": [], "error_id": error_id}, status=500)


_FHIR_ISSUE_CODES = {401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported"}


class ApiErrorsAsJson:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "")
        if is_fhir_request(request) and not content_type.startswith("application/fhir+json"):
            return self._kept_headers(response, self._as_outcome(response, request.path))
        if is_api_request(request) and not content_type.startswith("application/"):
            return self._kept_headers(response, self._as_json(response))
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_api_request(request) or is_fhir_request(request):
            return server_error(request, exception)
        return None

    @staticmethod
    def _phrase(status: int) -> str:
        try:
            return HTTPStatus(status).phrase.lower()
        except ValueError:
            return "error"

    def _as_json(self, response: HttpResponse) -> HttpResponse:
        return HttpResponse(
            json.dumps({"detail": self._phrase(response.status_code), "errors": []}),
            status=response.status_code,
            content_type="application/json",
        )

    def _as_outcome(self, response: HttpResponse, path: str) -> HttpResponse:
        status = response.status_code
        code = _FHIR_ISSUE_CODES.get(status, "processing" if status < 500 else "exception")
        text = self._phrase(status)
        if status == 404:
            text = f"{path} is not a resource or operation of this server (see /fhir/metadata)"
        return operation_outcome(status, code, text)

    @staticmethod
    def _kept_headers(response: HttpResponse, answer: HttpResponse) -> HttpResponse:
        for header in ("Retry-After", "WWW-Authenticate", "Allow"):
            if header in response:
                answer[header] = response[header]
        return answer

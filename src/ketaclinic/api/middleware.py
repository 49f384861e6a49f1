"""Every answer under ``/api/`` is JSON, even when the error arises outside an endpoint.

Django and its middleware answer some errors themselves (a lockout, a request too large, a
database that went away before the view ran) with an HTML page; an API client cannot read
that. This middleware turns such answers into the API's error shape and gives every server
error an id that also appears in the server log.
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
HTML_PAGES = ("/api/docs",)  # the interactive documentation is a page on purpose


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX) and not request.path.startswith(HTML_PAGES)


def server_error(request: HttpRequest, exc: BaseException) -> JsonResponse:
    """The 500 answer: an error id for the log and for the person who reports it."""
    error_id = uuid.uuid4().hex[:12]
    logger.error(
        "error %s on %s %s",
        error_id,
        request.method,
        request.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return JsonResponse(
        {
            "detail": f"server error {error_id}: nothing was saved by this request; "
            "try again shortly, and quote this id if it persists",
            "errors": [],
            "error_id": error_id,
        },
        status=500,
    )


class ApiErrorsAsJson:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            is_api_request(request)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/")
        ):
            return self._as_json(response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_api_request(request):
            return server_error(request, exception)
        return None

    @staticmethod
    def _as_json(response: HttpResponse) -> HttpResponse:
        status = response.status_code
        try:
            detail = HTTPStatus(status).phrase.lower()
        except ValueError:
            detail = "error"
        answer = HttpResponse(
            json.dumps({"detail": detail, "errors": []}),
            status=status,
            content_type="application/json",
        )
        for header in ("Retry-After", "WWW-Authenticate", "Allow"):
            if header in response:
                answer[header] = response[header]
        return answer

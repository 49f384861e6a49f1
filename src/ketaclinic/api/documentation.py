"""The API's own documentation: for members of staff only, built once per process.

The OpenAPI document describes every clinical endpoint; it is no secret, but it is not for
the public either, and building it costs about half a second of CPU, so an anonymous client
fetching it in a loop could slow the clinic's screens. Staff reach it logged in to the web
app (the interactive page) or with their bearer token (the JSON document).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from ketaclinic.records.accounts import services as accounts

WWW_AUTHENTICATE = 'Bearer realm="ketaclinic"'


def _staff(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.role != "patient")


def _bearer_user(request: HttpRequest) -> Any:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return accounts.user_for_token(token.strip())


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let logged-in staff (web session or bearer token) through; others are refused."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user if request.user.is_authenticated else _bearer_user(request)
        if _staff(user):
            return view(request, *args, **kwargs)
        if request.path.endswith("/docs"):
            if user is None:
                return redirect_to_login(request.get_full_path())
            return HttpResponse("The API documentation is for members of staff.", status=403)
        if user is None:
            answer = JsonResponse(
                {
                    "detail": "authentication required: log in, or send Authorization: Bearer "
                    "<token>",
                    "errors": [],
                },
                status=401,
            )
            answer["WWW-Authenticate"] = WWW_AUTHENTICATE
            return answer
        return JsonResponse(
            {"detail": "the API documentation is for members of staff", "errors": []}, status=403
        )

    return guarded


class DocumentedAPI(NinjaAPI):
    """A NinjaAPI whose OpenAPI document is built once per process and path."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[str, OpenAPISchema] = {}

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        if path_prefix not in self._schemas:
            self._schemas[path_prefix] = super().get_openapi_schema(path_prefix=path_prefix)
        return self._schemas[path_prefix]

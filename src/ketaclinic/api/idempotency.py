"""The ``Idempotency-Key`` header on API POSTs: the same key from the same user replays the
first answer and writes nothing; the same key with a different request is a 422."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from ketaclinic.records.accounts import services as accounts
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.idempotency import services as keys

from .middleware import is_api_request

REPLAYED = "Idempotent-Replayed"


def _bearer_user_id(request: HttpRequest) -> int | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    user = accounts.user_for_token(token.strip())
    return user.pk if user is not None else None


class IdempotencyKeys:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw_key = request.headers.get(keys.HEADER)
        if raw_key is None or request.method != "POST" or not is_api_request(request):
            return self.get_response(request)
        user_id = _bearer_user_id(request)
        if user_id is None:  # the endpoint answers 401 (or serves the log-in) itself
            return self.get_response(request)
        try:
            key = keys.check_key(raw_key)
            print_ = keys.fingerprint(request.method or "POST", request.path, request.body)
            with transaction.atomic():
                return self._once(request, user_id, key, print_)
        except InvalidInput as error:
            first = error.errors[0]
            return JsonResponse(
                {
                    "detail": "invalid input",
                    "errors": [{"field": first.field, "message": first.message}],
                },
                status=422,
            )
        except Conflict as error:
            return JsonResponse({"detail": str(error), "errors": []}, status=409)

    def _once(self, request: HttpRequest, user_id: int, key: str, print_: str) -> HttpResponse:
        """Inside one transaction: claim the key, then replay or do the work and record it."""
        earlier = keys.claim(user_id, key, print_)
        if earlier is not None:
            replay = HttpResponse(
                earlier.body, status=earlier.status_code, content_type=earlier.content_type
            )
            replay[REPLAYED] = "true"
            return replay
        response = self.get_response(request)
        if response.status_code >= 500:
            transaction.set_rollback(True)  # neither the key nor a half-done write is kept
        elif response.streaming:
            keys.forget(user_id, key)  # a stream cannot be stored to replay
        else:
            keys.record(
                user_id,
                key,
                keys.StoredAnswer(
                    response.status_code, response.get("Content-Type", ""), response.content
                ),
            )
        return response

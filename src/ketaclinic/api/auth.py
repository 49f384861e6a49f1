"""Bearer-token authentication and the token endpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import HttpBearer

from ketaclinic.records.accounts import services as accounts
from ketaclinic.records.context import Actor, Face

from .errors import ErrorOut, Unauthorized

if TYPE_CHECKING:
    from ketaclinic.records.accounts.models import User


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return accounts.user_for_token(token)


def actor(request: HttpRequest) -> Actor:
    """The authenticated API caller as a service actor."""
    return Actor.from_request(request, Face.API, user=request.auth)  # type: ignore[attr-defined]


router = Router(tags=["auth"])


class Credentials(Schema):
    model_config = {"extra": "forbid"}

    username: str
    password: str
    otp: str = ""
    """The second factor where log-in asks for one: the 6-digit code of the authenticator, or
    an unused recovery code (used up by this request)."""


class TokenOut(Schema):
    token: str


LOCKED_OUT = {
    "responses": {
        "429": {
            "description": "locked out after repeated failed log-ins",
            "headers": {
                "Retry-After": {
                    "description": "seconds until log-in is possible again",
                    "schema": {"type": "integer"},
                }
            },
        }
    }
}


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 429: ErrorOut},
    openapi_extra=LOCKED_OUT,
)
def create_token(request: HttpRequest, credentials: Credentials) -> TokenOut:
    """Exchange a username, password and (for accounts with a second factor) ``otp`` for a
    bearer token; 401 says what is missing or wrong.

    After repeated failures for one username from one address, the answer is 429 with a
    ``Retry-After`` header (seconds) until the lockout ends or a manager unlocks the account;
    a success clears the count."""
    try:
        token = accounts.issue_token(
            request, credentials.username, credentials.password, credentials.otp
        )
    except accounts.TokenRefused as refused:
        raise Unauthorized(str(refused)) from None
    return TokenOut(token=token)


@router.delete("/token", response={204: None})
def revoke_token(request: HttpRequest) -> Status[None]:
    """Revoke the token this request was sent with."""
    header = request.headers.get("Authorization", "")
    accounts.revoke_token(actor(request), header.partition(" ")[2])
    return Status(204, None)

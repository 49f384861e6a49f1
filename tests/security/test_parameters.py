"""Page numbers, dates and ids out of range are refused with a message naming the parameter,
never a server error (issue 17): every API operation from the OpenAPI document and every web
page from the URL resolver is called with bad values for each of its page, date and id
parameters, on the demo clinic's data, as each staff role that may see the list."""

from __future__ import annotations

from typing import Any

import walk
from django.test import Client
from django.urls import get_resolver

from ketaclinic.api.app import api
from support import MODEL_BACKEND, ApiClient

HUGE = "99999999999999999999999"
BAD_PAGES = (HUGE, "-5", "abc")
BAD_DAYS = ("9999-12-31", "0001-01-01", "2026-13-45")
# The web's filter parameters that carry a page, a day or a month.
WEB_PAGES = ("page",)
WEB_DAYS = ("day", "date", "week", "from", "to", "since", "until", "start", "end", "month")
ROLES = ("manager", "physician")


def _kind(schema: dict[str, Any]) -> str:
    options = schema.get("anyOf", [schema])
    return " ".join(str(o.get("format") or o.get("type")) for o in options)


def _bad_values(name: str, schema: dict[str, Any]) -> tuple[str, ...]:
    kind = _kind(schema)
    if name in ("page", "page_size"):
        return BAD_PAGES
    if "integer" in kind:
        return (HUGE,)
    if "date" in kind or name in ("from", "to"):
        return BAD_DAYS
    return ()


def _clients(role: str) -> tuple[ApiClient, Client]:
    from ketaclinic.records.accounts.models import User

    user = User.objects.filter(role=role).first()
    assert user is not None
    token = Client().post(
        "/api/auth/token",
        {"username": user.username, "password": walk.demo_password_of(user.username)},
        content_type="application/json",
    )
    web = Client(raise_request_exception=False)
    web.force_login(user, backend=MODEL_BACKEND)
    return ApiClient(token.json()["token"]), web


def test_bad_pages_dates_and_ids_are_named_by_the_api(demo_clinic: Any) -> None:
    wrong: list[str] = []
    refused = 0
    for role in ROLES:
        client, _ = _clients(role)
        for path, operations in api.get_openapi_schema()["paths"].items():
            operation = operations.get("get")
            if operation is None:
                continue
            concrete = walk.api_path(path, demo_clinic.pk)
            if client.get(concrete).status_code != 200:
                continue  # this role may not see it: the refusal comes first
            for parameter in operation.get("parameters", []):
                name = parameter["name"]
                where = parameter["in"]
                for value in _bad_values(name, parameter.get("schema", {})):
                    if where == "path":
                        asked = path.replace(f"{{{name}}}", value)
                        answer = client.get(walk.api_path(asked, demo_clinic.pk))
                    elif where == "query":
                        answer = client.get(concrete, **{name: value})
                    else:
                        continue
                    label = f"{role} GET {path} {name}={value}: {answer.status_code}"
                    if answer.status_code >= 500 or "json" not in answer["Content-Type"]:
                        wrong.append(label)
                    elif answer.status_code == 200:
                        continue  # an id that is only a filter may match nothing
                    elif answer.status_code == 422:
                        refused += 1
                        fields = [e["field"] for e in answer.json()["errors"]]
                        if name not in fields:
                            wrong.append(f"{label} names {fields}")
                    elif answer.status_code != 404:
                        wrong.append(label)
    assert not wrong, "\n".join(wrong)
    assert refused >= 20


def test_bad_pages_and_dates_on_web_pages_are_form_errors(demo_clinic: Any) -> None:
    wrong: list[str] = []
    pages = 0
    for role in ROLES:
        _, web = _clients(role)
        for route in walk.routes(get_resolver().url_patterns):
            path = walk.fill(route, demo_clinic.pk)
            first = web.get(path)
            if first.status_code != 200 or "html" not in first.get("Content-Type", ""):
                continue
            pages += 1
            for name, values in [(n, BAD_PAGES) for n in WEB_PAGES] + [
                (n, BAD_DAYS) for n in WEB_DAYS
            ]:
                for value in values:
                    answer = web.get(path, {name: value})
                    if answer.status_code >= 500:
                        wrong.append(f"{role} {path}?{name}={value}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)
    assert pages >= 20


def test_a_page_past_the_end_is_refused_with_the_field_named(api_as: Any, users: Any) -> None:
    answer = api_as(users["physician"]).get("/api/patients", page=HUGE)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "page"
    answer = api_as(users["physician"]).get("/api/patients", page="2")
    assert answer.status_code == 200


def test_a_day_in_year_9999_is_refused_with_the_field_named(api_as: Any, users: Any) -> None:
    answer = api_as(users["manager"]).get("/api/outcomes/cohort", until="9999-12-31")
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"field": "until", "message": "must be a date from 1900-01-01 to 2199-12-31"}
    ]


def test_an_id_of_thirty_digits_is_refused_with_the_field_named(api_as: Any, users: Any) -> None:
    answer = api_as(users["physician"]).get(f"/api/patients/{HUGE}")
    assert answer.status_code in (404, 422)
    if answer.status_code == 422:
        assert answer.json()["errors"][0]["field"] == "patient_id"

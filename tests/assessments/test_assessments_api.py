"""The instrument and assessment API: every endpoint, its answers and its error cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from assessments_support import every_item, phq9
from django.utils import timezone

from ketaclinic.records.assessments.models import Assessment, AssessmentRequest
from ketaclinic.records.audit.models import AuditEvent
from support import ApiClient


@pytest.fixture
def nurse_api(api_as: Any, users: dict[str, Any]) -> ApiClient:
    return api_as(users["nurse"])


def _path(patient: Any, rest: str = "") -> str:
    return f"/api/patients/{patient.pk}/assessments{rest}"


def _submit(client: ApiClient, patient: Any, **body: Any) -> Any:
    data = {"instrument": "phq9", "answers": phq9(), "context": "baseline"} | body
    return client.post(_path(patient), data)


class TestInstruments:
    def test_list_shows_every_instrument_with_its_range(self, nurse_api: ApiClient) -> None:
        listed = {row["id"]: row for row in nurse_api.get("/api/instruments").json()}
        assert {"acr2016", "fiqr", "phq9", "gad7", "pgic", "cadss6", "aldrete"} <= set(listed)
        assert sum(i.startswith("nrs_") for i in listed) == 7  # six 24-hour scales, pain now
        assert listed["fiqr"] | {"title": ""} == {
            "id": "fiqr",
            "version": "1.0.0",
            "title": "",
            "respondent": "patient",
            "recall_period": "past 7 days",
            "items": 21,
            "total_min": 0,
            "total_max": 100,
        }

    def test_a_definition_lists_items_in_the_sources_order(self, nurse_api: ApiClient) -> None:
        definition = nurse_api.get("/api/instruments/phq9").json()
        assert [item["id"] for item in definition["items"]] == [f"phq9_{n}" for n in range(1, 10)]
        assert definition["items"][0]["answer"]["anchors"][0] == {"value": 0, "label": "Not at all"}
        assert definition["bands"][-1]["code"] == "severe"
        versioned = nurse_api.get("/api/instruments/phq9", version="1.0.0")
        assert versioned.json() == definition

    def test_unknown_instrument_or_version_is_404(self, nurse_api: ApiClient) -> None:
        for params in ({}, {"version": "9.9"}):
            path = "/api/instruments/bdi" if not params else "/api/instruments/phq9"
            answer = nurse_api.get(path, **params)
            assert answer.status_code == 404
            assert "unknown instrument" in answer.json()["detail"]

    def test_bundles(self, nurse_api: ApiClient) -> None:
        (bundle,) = nurse_api.get("/api/instruments/bundles").json()
        assert bundle["id"] == "baseline_intake"
        assert bundle["instruments"][:4] == ["acr2016", "fiqr", "phq9", "gad7"]

    def test_definitions_need_a_token_but_no_role(
        self, api_as: Any, patient_user: Any, db: Any
    ) -> None:
        assert ApiClient(None).get("/api/instruments").status_code == 401
        assert api_as(patient_user).get("/api/instruments/fiqr").status_code == 200


class TestSubmit:
    def test_created_with_its_score(self, nurse_api: ApiClient, patient: Any) -> None:
        answer = _submit(nurse_api, patient, answers=phq9(item9=1, others=2))
        assert answer.status_code == 201, answer.content
        body = answer.json()
        assert body["instrument"] == "phq9"
        assert body["version"] == "1.0.0"
        assert (body["total"], body["band"]) == (
            17,
            {"code": "moderately_severe", "label": "Moderately severe"},
        )
        assert body["valid"] is True
        assert [a["code"] for a in body["alerts"]] == ["phq9_item9"]
        assert body["alerts"][0]["urgent"] is True
        assert (body["entered_by"], body["recorded_by"]) == ("staff", "nurse-user")
        assert body["amends_id"] is body["superseded_by_id"] is None

    def test_fiqr_total_keeps_two_decimals_and_completed_at_is_kept(
        self, nurse_api: ApiClient, patient: Any
    ) -> None:
        when = (timezone.now() - timedelta(days=2)).replace(microsecond=0)
        answers = every_item("fiqr", 0, brush_hair=1)
        answer = _submit(
            nurse_api, patient, instrument="fiqr", answers=answers, completed_at=when.isoformat()
        )
        body = answer.json()
        assert body["total"] == 0.33
        assert body["subscores"] == {"function": 0.33, "overall_impact": 0, "symptoms": 0}
        assert datetime.fromisoformat(body["completed_at"]) == when

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"answers": phq9() | {"phq9_4": 4}}, "answers.phq9_4"),
            ({"answers": phq9() | {"phq9_4": -1}}, "answers.phq9_4"),
            ({"answers": phq9() | {"phq9_4": 1.5}}, "answers.phq9_4"),
            ({"answers": phq9() | {"phq9_4": "1"}}, "answers.phq9_4"),
            ({"answers": phq9() | {"phq9_4": None}}, "answers.phq9_4"),
            ({"answers": {k: v for k, v in phq9().items() if k != "phq9_9"}}, "answers.phq9_9"),
            ({"answers": phq9() | {"phq9_item_10": 0}}, "answers.phq9_item_10"),
            ({"instrument": "bdi2"}, "instrument"),
            ({"instrument": ""}, "instrument"),
            ({"context": "sometime"}, "context"),
            ({"completed_at": "2026-01-01T09:00:00"}, "completed_at"),
            ({"completed_at": "2999-01-01T09:00:00+00:00"}, "completed_at"),
            ({"answers": ["phq9_1"]}, "answers"),
            ({"score": 27}, "score"),
        ],
    )
    def test_bad_input_is_422_naming_the_item_and_stores_nothing(
        self, nurse_api: ApiClient, patient: Any, body: dict[str, Any], field: str
    ) -> None:
        answer = _submit(nurse_api, patient, **body)
        assert answer.status_code == 422, answer.content
        assert field in [error["field"] for error in answer.json()["errors"]]
        assert not Assessment.objects.exists()

    def test_missing_required_fields_and_malformed_json(
        self, nurse_api: ApiClient, patient: Any
    ) -> None:
        answer = nurse_api.post(_path(patient), {"answers": {}})
        assert {e["field"] for e in answer.json()["errors"]} == {"instrument", "context"}
        assert nurse_api.post(_path(patient), "{not json").status_code == 400
        assert not Assessment.objects.exists()

    def test_a_patient_submits_for_themselves_but_not_for_another(
        self, api_as: Any, patient_user: Any, patient: Any, other_patient: Any
    ) -> None:
        client = api_as(patient_user)
        own = _submit(client, patient)
        assert own.status_code == 201
        assert own.json()["entered_by"] == "patient"
        refused = _submit(client, other_patient)
        assert refused.status_code == 403
        assert Assessment.objects.filter(patient=other_patient).count() == 0
        denial = AuditEvent.objects.get(outcome="denied")
        assert (denial.action, denial.patient_id, denial.face) == (
            "assessment.record",
            other_patient.pk,
            "api",
        )

    def test_roles_without_the_permission_and_missing_patients(
        self, api_as: Any, users: dict[str, Any], nurse_api: ApiClient, patient: Any
    ) -> None:
        for role in ("front_desk", "manager"):
            assert _submit(api_as(users[role]), patient).status_code == 403
        gone = nurse_api.post(
            "/api/patients/999999/assessments",
            {"instrument": "phq9", "answers": phq9(), "context": "baseline"},
        )
        assert gone.status_code == 404
        assert ApiClient(None).post(_path(patient), {}).status_code == 401


class TestRead:
    def test_list_filters_pages_and_leaves_out_amended_originals(
        self, nurse_api: ApiClient, patient: Any
    ) -> None:
        for value in range(3):
            _submit(nurse_api, patient, instrument="nrs_mood", answers={"nrs_mood": value})
        first = _submit(nurse_api, patient).json()
        nurse_api.post(
            _path(patient, f"/{first['id']}/amend"), {"answers": phq9(others=0), "reason": "typo"}
        )
        page = nurse_api.get(_path(patient), instrument="nrs_mood", page_size=2).json()
        assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 2)
        current = nurse_api.get(_path(patient), instrument="phq9").json()
        assert [a["total"] for a in current["items"]] == [0]
        everything = nurse_api.get(_path(patient), instrument="phq9", include_superseded=True)
        assert {a["total"] for a in everything.json()["items"]} == {0, 8}
        assert nurse_api.get(_path(patient)).json()["total"] == 4

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"page": 0}, "page"),
            ({"page_size": 500}, "page_size"),
            ({"instrument": "x"}, "instrument"),
            ({"page": "two"}, "page"),
        ],
    )
    def test_bad_list_parameters_are_422(
        self, nurse_api: ApiClient, patient: Any, params: dict[str, Any], field: str
    ) -> None:
        answer = nurse_api.get(_path(patient), **params)
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == field

    def test_detail_and_its_errors(
        self,
        nurse_api: ApiClient,
        api_as: Any,
        users: dict[str, Any],
        patient: Any,
        other_patient: Any,
    ) -> None:
        created = _submit(nurse_api, patient).json()
        detail = nurse_api.get(_path(patient, f"/{created['id']}"))
        assert detail.json() == created
        assert nurse_api.get(_path(other_patient, f"/{created['id']}")).status_code == 404
        assert nurse_api.get(_path(patient, "/999999")).status_code == 404
        assert nurse_api.get("/api/patients/999999/assessments").status_code == 404
        desk = api_as(users["front_desk"])
        assert desk.get(_path(patient, f"/{created['id']}")).status_code == 403
        assert desk.get(_path(patient)).status_code == 403
        entry = AuditEvent.objects.filter(action="assessment.view", outcome="allowed").latest("id")
        assert entry.object_id == str(created["id"])

    def test_a_patient_reads_only_their_own(
        self, api_as: Any, nurse_api: ApiClient, patient_user: Any, patient: Any, other_patient: Any
    ) -> None:
        _submit(nurse_api, other_patient)
        client = api_as(patient_user)
        assert client.get(_path(patient)).json()["total"] == 0
        assert client.get(_path(other_patient)).status_code == 403

    def test_trends(self, nurse_api: ApiClient, patient: Any) -> None:
        start = timezone.now() - timedelta(days=20)
        for day, value in enumerate((7, 6, 4)):
            _submit(
                nurse_api,
                patient,
                instrument="nrs_pain_average",
                answers={"nrs_pain_average": value},
                context="follow_up",
                completed_at=(start + timedelta(days=day)).isoformat(),
            )
        (trend,) = nurse_api.get(_path(patient, "/trends")).json()
        assert trend["instrument"] == "nrs_pain_average"
        assert (trend["total_min"], trend["total_max"], trend["direction"]) == (
            0,
            10,
            "higher_is_worse",
        )
        assert [p["total"] for p in trend["points"]] == [7, 6, 4]


class TestAmend:
    def test_amend_creates_a_linked_record(self, nurse_api: ApiClient, patient: Any) -> None:
        original = _submit(nurse_api, patient).json()
        answer = nurse_api.post(
            _path(patient, f"/{original['id']}/amend"),
            {"answers": phq9(others=2), "reason": "second page was missed"},
        )
        assert answer.status_code == 201, answer.content
        amendment = answer.json()
        assert (amendment["amends_id"], amendment["total"]) == (original["id"], 16)
        assert amendment["amendment_reason"] == "second page was missed"
        assert amendment["context"] == original["context"]
        reread = nurse_api.get(_path(patient, f"/{original['id']}")).json()
        assert reread["superseded_by_id"] == amendment["id"]
        assert reread["total"] == original["total"]

    @pytest.mark.parametrize(
        ("body", "status", "field"),
        [
            ({"answers": phq9()}, 422, "reason"),
            ({"answers": phq9(), "reason": ""}, 422, "reason"),
            ({"answers": phq9() | {"phq9_1": 9}, "reason": "x"}, 422, "answers.phq9_1"),
            ({"answers": phq9(), "reason": "x", "context": "whenever"}, 422, "context"),
            ({"answers": phq9(), "reason": "x", "instrument": "gad7"}, 422, "instrument"),
        ],
    )
    def test_bad_amendments(
        self, nurse_api: ApiClient, patient: Any, body: dict[str, Any], status: int, field: str
    ) -> None:
        original = _submit(nurse_api, patient).json()
        answer = nurse_api.post(_path(patient, f"/{original['id']}/amend"), body)
        assert answer.status_code == status
        assert field in [e["field"] for e in answer.json()["errors"]]
        assert Assessment.objects.count() == 1

    def test_amending_twice_is_a_conflict_and_others_may_not(
        self,
        nurse_api: ApiClient,
        api_as: Any,
        users: dict[str, Any],
        patient_user: Any,
        patient: Any,
    ) -> None:
        original = _submit(nurse_api, patient).json()
        path = _path(patient, f"/{original['id']}/amend")
        change = {"answers": phq9(others=0), "reason": "typo"}
        assert nurse_api.post(path, change).status_code == 201
        assert nurse_api.post(path, change).status_code == 409
        assert nurse_api.post(_path(patient, "/999999/amend"), change).status_code == 404
        assert api_as(users["front_desk"]).post(path, change).status_code == 403
        assert api_as(patient_user).post(path, change).status_code == 403
        assert Assessment.objects.count() == 2


class TestRequests:
    def test_ask_list_and_complete(
        self, api_as: Any, users: dict[str, Any], patient_user: Any, patient: Any
    ) -> None:
        desk = api_as(users["front_desk"])
        path = f"/api/patients/{patient.pk}/assessment-requests"
        due = str(timezone.localdate() + timedelta(days=7))
        created = desk.post(path, {"bundle": "baseline_intake", "due_on": due})
        assert created.status_code == 201, created.content
        body = created.json()
        assert (body["bundle"], body["context"], body["due_on"]) == (
            "baseline_intake",
            "baseline",
            due,
        )
        assert (body["done"], body["complete"]) == ([], False)
        assert desk.post(path, {"bundle": "baseline_intake"}).status_code == 409
        patient_api = api_as(patient_user)
        _submit(patient_api, patient, request_id=body["id"])
        (listed,) = patient_api.get(path).json()
        assert listed["done"] == ["phq9"]
        assert "phq9" not in listed["remaining"]
        assert len(desk.get(path, open_only=True).json()) == 1

    @pytest.mark.parametrize(
        ("body", "status", "field"),
        [
            ({"bundle": "nope"}, 422, "bundle"),
            ({"bundle": "baseline_intake", "context": "x"}, 422, "context"),
            ({"bundle": "baseline_intake", "due_on": "2000-01-01"}, 422, "due_on"),
            ({"bundle": "baseline_intake", "due_on": "soon"}, 422, "due_on"),
            ({"bundle": "baseline_intake", "extra": 1}, 422, "extra"),
        ],
    )
    def test_bad_requests(
        self,
        api_as: Any,
        users: dict[str, Any],
        patient: Any,
        body: dict[str, Any],
        status: int,
        field: str,
    ) -> None:
        answer = api_as(users["nurse"]).post(
            f"/api/patients/{patient.pk}/assessment-requests", body
        )
        assert answer.status_code == status
        assert answer.json()["errors"][0]["field"] == field
        assert not AssessmentRequest.objects.exists()

    def test_who_may_ask_and_see(
        self,
        api_as: Any,
        users: dict[str, Any],
        patient_user: Any,
        patient: Any,
        other_patient: Any,
    ) -> None:
        path = f"/api/patients/{patient.pk}/assessment-requests"
        assert api_as(users["manager"]).get(path).status_code == 403
        assert api_as(patient_user).post(path, {"bundle": "baseline_intake"}).status_code == 403
        other = f"/api/patients/{other_patient.pk}/assessment-requests"
        assert api_as(patient_user).get(other).status_code == 403
        assert (
            api_as(users["nurse"]).get("/api/patients/999999/assessment-requests").status_code
            == 404
        )


def test_the_openapi_document_lists_the_endpoints(nurse_api: ApiClient) -> None:
    paths = nurse_api.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/instruments",
        "/api/instruments/{instrument_id}",
        "/api/patients/{patient_id}/assessments",
        "/api/patients/{patient_id}/assessments/{assessment_id}/amend",
        "/api/patients/{patient_id}/assessment-requests",
    ):
        assert path in paths

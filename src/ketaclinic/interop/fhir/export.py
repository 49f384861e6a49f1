"""Building the FHIR resources of one patient's record, each validated by its R4B model."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ketaclinic.core import DomainInputError
from ketaclinic.instruments import Definition
from ketaclinic.outcomes import InfusionEvent
from ketaclinic.protocols import get_protocol
from ketaclinic.records.outcomes.exchange import PatientRecord

from . import codes
from .encounters import appointment_status, encounters_for, latest_sessions, procedures_for
from .laboratory import result_observation
from .patient_details import add_details
from .questionnaires import questionnaire_resource
from .resource import Resource, validated
from .search import SearchPage
from .vitals import vital_sign_observations

if TYPE_CHECKING:
    from ketaclinic.records.assessments.models import Assessment
    from ketaclinic.records.patients.models import BodyMeasurement, Patient


@dataclass(frozen=True)
class Addresser:
    """Where resources live: under ``base`` (a server's FHIR base URL), or, without one (a file
    export), as ``urn:uuid:`` names that references inside the Bundle use too. The names are
    drawn afresh for each export (``scope``), so no two clinics' files, nor two exports, ever
    name different resources alike."""

    base: str = ""
    scope: uuid.UUID = field(default_factory=uuid.uuid4)

    def full_url(self, kind: str, resource_id: str) -> str:
        if self.base:
            return f"{self.base.rstrip('/')}/{kind}/{resource_id}"
        return f"urn:uuid:{uuid.uuid5(self.scope, f'{kind}/{resource_id}')}"

    def reference(self, kind: str, resource_id: str) -> dict[str, str]:
        return {
            "reference": f"{kind}/{resource_id}" if self.base else self.full_url(kind, resource_id)
        }


def _instant(moment: datetime) -> str:
    return moment.isoformat()


def _quantity(value: float, unit: str, code: str | None = None) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": codes.UCUM, "code": code or unit}


def patient_resource(patient: Patient) -> Resource:
    resource: Resource = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [
            {
                "use": "usual",
                "type": {"coding": [{"system": codes.IDENTIFIER_TYPE, "code": "MR"}]},
                "system": codes.mrn_system(),
                "value": patient.mrn,
            }
        ],
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        "gender": patient.sex,
        "birthDate": patient.date_of_birth.isoformat(),
    }
    telecom = [
        {"system": system, "value": value, "use": "home"}
        for system, value in (("phone", patient.phone), ("email", patient.email))
        if value
    ]
    if telecom:
        resource["telecom"] = telecom
    if patient.address:
        resource["address"] = [{"text": patient.address}]
    if patient.emergency_contact_name or patient.emergency_contact_phone:
        contact: Resource = {}
        if patient.emergency_contact_relationship:
            contact["relationship"] = [{"text": patient.emergency_contact_relationship}]
        if patient.emergency_contact_name:
            contact["name"] = {"text": patient.emergency_contact_name}
        if patient.emergency_contact_phone:
            contact["telecom"] = [{"system": "phone", "value": patient.emergency_contact_phone}]
        resource["contact"] = [contact]
    return validated(add_details(resource, patient))


def _instrument_code(assessment: Assessment, definition: Definition | None) -> Resource:
    """The total's codes: LOINC where one is confirmed, and ketaclinic's local code."""
    coding = [
        {
            "system": code.system,
            "code": code.code,
            **({"display": code.display} if code.display else {}),
        }
        for code in (definition.codes if definition else ())
        if code.status != "unconfirmed"
    ]
    if not any(c["system"] == codes.INSTRUMENTS for c in coding):
        coding.append({"system": codes.INSTRUMENTS, "code": assessment.instrument_id})
    return {"coding": coding, "text": definition.title if definition else assessment.instrument_id}


def _meta(assessment: Assessment, version: int) -> Resource:
    return {"versionId": str(version), "lastUpdated": _instant(assessment.recorded_at)}


def score_observation(
    assessment: Assessment,
    definition: Definition | None,
    at: Addresser,
    version: tuple[int, int] | None = None,
) -> Resource | None:
    """A valid total as a survey Observation with its subscores as components. An amendment
    is a new version of the original's resource (same id, status ``amended``)."""
    if not assessment.valid or assessment.total is None:
        return None
    original, number = version or (assessment.pk, 1)
    patient = str(assessment.patient_id)
    resource: Resource = {
        "resourceType": "Observation",
        "id": f"score-{original}",
        "meta": _meta(assessment, number),
        "status": "amended" if assessment.amends_id else "final",
        "category": [
            {
                "coding": [
                    {"system": codes.OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}
                ]
            }
        ],
        "code": _instrument_code(assessment, definition),
        "subject": at.reference("Patient", patient),
        "effectiveDateTime": _instant(assessment.completed_at),
        "issued": _instant(assessment.recorded_at),
        "valueQuantity": _quantity(assessment.total, "{score}"),
        "derivedFrom": [at.reference("QuestionnaireResponse", f"qr-{original}")],
        "note": [{"text": f"context: {assessment.get_context_display()}"}],
    }
    if assessment.band_label:
        resource["interpretation"] = [{"text": assessment.band_label}]
    components = [
        {
            "code": {
                "coding": [
                    {"system": codes.SUBSCORES, "code": f"{assessment.instrument_id}.{name}"}
                ],
                "text": name,
            },
            "valueQuantity": _quantity(value, "{score}"),
        }
        for name, value in sorted(assessment.subscores.items())
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]
    if components:
        resource["component"] = components
    return validated(resource)


def measurement_observations(measurement: BodyMeasurement, at: Addresser) -> list[Resource]:
    """A weighing and/or height as vital-sign Observations (LOINC 29463-7, 8302-2)."""
    found = []
    for kind, value, code, unit in (
        ("weight", measurement.weight_kg, codes.BODY_WEIGHT, "kg"),
        ("height", measurement.height_cm, codes.BODY_HEIGHT, "cm"),
    ):
        if value is None:
            continue
        found.append(
            validated(
                {
                    "resourceType": "Observation",
                    "id": f"{kind}-{measurement.pk}",
                    "status": "final",
                    "category": [
                        {
                            "coding": [
                                {
                                    "system": codes.OBSERVATION_CATEGORY,
                                    "code": "vital-signs",
                                    "display": "Vital Signs",
                                }
                            ]
                        }
                    ],
                    "code": {"coding": [code], "text": code["display"]},
                    "subject": at.reference("Patient", str(measurement.patient_id)),
                    "effectiveDateTime": _instant(measurement.measured_at),
                    "valueQuantity": _quantity(value, unit),
                }
            )
        )
    return found


def questionnaire_response(
    assessment: Assessment,
    definition: Definition | None,
    at: Addresser,
    version: tuple[int, int] | None = None,
) -> Resource:
    """The answers as given, in the definition's item order (unanswered items left out); an
    amendment is a new version of the original's resource."""
    original, number = version or (assessment.pk, 1)
    answers = assessment.answers
    order = [item.id for item in definition.items] if definition else sorted(answers)
    labels = (
        {item.id: (item.label, item.answer.kind) for item in definition.items} if definition else {}
    )
    items = []
    for item_id in order:
        value = answers.get(item_id)
        if value is None:
            continue
        label, kind = labels.get(item_id, ("", "integer"))
        answer = (
            {"valueBoolean": bool(value)} if kind == "boolean" else {"valueInteger": int(value)}
        )
        items.append({"linkId": item_id, **({"text": label} if label else {}), "answer": [answer]})
    resource: Resource = {
        "resourceType": "QuestionnaireResponse",
        "id": f"qr-{original}",
        "meta": _meta(assessment, number),
        "questionnaire": f"{codes.QUESTIONNAIRES}:{assessment.instrument_id}"
        f"|{assessment.instrument_version}",
        "status": "amended" if assessment.amends_id else "completed",
        "subject": at.reference("Patient", str(assessment.patient_id)),
        "authored": _instant(assessment.completed_at),
    }
    if assessment.entered_by == "patient":
        resource["source"] = at.reference("Patient", str(assessment.patient_id))
    if items:
        resource["item"] = items
    return validated(resource)


def condition_resource(
    patient: Patient, acr: Assessment, at: Addresser, score_id: int | None = None
) -> Resource:
    """Fibromyalgia (ICD-10-CM M79.7, SNOMED CT 203082005), provisional: the ACR 2016 criteria
    were met; a physician confirms the diagnosis."""
    resource: Resource = {
        "resourceType": "Condition",
        "id": f"fibromyalgia-{patient.pk}",
        "clinicalStatus": {"coding": [{"system": codes.CONDITION_CLINICAL, "code": "active"}]},
        "category": [{"coding": [codes.PROBLEM_LIST_ITEM]}],
        "verificationStatus": {
            "coding": [{"system": codes.CONDITION_VERIFICATION, "code": "provisional"}]
        },
        "code": {"coding": list(codes.FIBROMYALGIA), "text": "Fibromyalgia"},
        "subject": at.reference("Patient", str(patient.pk)),
        "recordedDate": _instant(acr.completed_at),
        "note": [
            {"text": "ACR 2016 fibromyalgia criteria met; a physician confirms the diagnosis."}
        ],
    }
    if acr.valid:
        evidence = at.reference("Observation", f"score-{score_id or acr.pk}")
        resource["evidence"] = [{"detail": [evidence]}]
    return validated(resource)


def _drug(protocol_id: str) -> str:
    try:
        return get_protocol(protocol_id).drug
    except DomainInputError:
        return "ketamine"


def _medication(drug: str) -> Resource:
    """The drug: its RxNorm ingredient code where one is known, and the local code."""
    coding = [codes.DRUG_CODES[drug]] if drug in codes.DRUG_CODES else []
    return {"coding": [*coding, {"system": codes.DRUGS, "code": drug}], "text": drug}


def _route(route: str, label: str) -> Resource:
    """The route: its SNOMED CT code where one is known, and the local code."""
    coding = [codes.ROUTE_CODES[route]] if route in codes.ROUTE_CODES else []
    return {"coding": [*coding, {"system": codes.ROUTES, "code": route}], "text": label}


def medication_administration(
    event: InfusionEvent, number: int, at: Addresser, encounter: Resource | None = None
) -> Resource:
    """One dose given (from the sessions seam): drug, dose in mg, route, and for an infusion
    its period and mean rate in mg/h; with its session's ``encounter``, part of the session's
    Procedure."""
    drug = _drug(event.protocol_id)
    dosage: Resource = {
        "route": _route(event.route, event.route.replace("_", " ")),
        "dose": _quantity(event.dose_mg, "mg"),
    }
    resource: Resource = {
        "resourceType": "MedicationAdministration",
        "id": f"infusion-{event.session_id if event.session_id is not None else number}",
        "status": "completed",
        "medicationCodeableConcept": _medication(drug),
        "subject": at.reference("Patient", str(event.patient_id)),
        "dosage": dosage,
        "note": [
            {"text": f"protocol {event.protocol_id}"},
            *({"text": text} for text in event.overrides),
        ],
    }
    if encounter is not None:
        resource["context"] = encounter
        resource["partOf"] = [at.reference("Procedure", f"procedure-{event.session_id}")]
    if event.duration_min:
        end = event.started_at + timedelta(minutes=event.duration_min)
        resource["effectivePeriod"] = {"start": _instant(event.started_at), "end": _instant(end)}
        rate_mg_per_h = round(event.dose_mg * 60 / event.duration_min, 3)
        dosage["rateQuantity"] = _quantity(rate_mg_per_h, "mg/h")
    else:
        resource["effectiveDateTime"] = _instant(event.started_at)
    return validated(resource)


def rescue_administration(given: Any, at: Addresser) -> Resource:
    """A rescue drug given in a session (its Encounter the context), against the plan's PRN
    order when it has one."""
    notes = [f"session {given.session_id}"]
    if given.prn_order is not None:
        notes.append(f"PRN order {given.prn_order_id}: {given.prn_order.indication}")
    if given.limit_reason:
        notes.append(f"above the ordered dose: {given.limit_reason}")
    if given.note:
        notes.append(given.note)
    resource: Resource = {
        "resourceType": "MedicationAdministration",
        "id": f"rescue-{given.pk}",
        "status": "completed",
        "medicationCodeableConcept": _medication(given.drug),
        "subject": at.reference("Patient", str(given.session.patient_id)),
        "context": at.reference("Encounter", f"session-{given.session_id}"),
        "effectiveDateTime": _instant(given.at),
        "dosage": {
            "route": _route(given.route, given.get_route_display()),
            "dose": _quantity(given.dose_mg, "mg"),
        },
        "note": [{"text": text} for text in notes],
    }
    return validated(resource)


def appointment_resource(appointment: Any, at: Addresser, session: Any = None) -> Resource:
    """A booked, cancelled, moved (cancelled, with its replacement booked) or missed visit;
    fulfilled once its infusion ``session`` (a SessionVisit) was discharged."""
    resource: Resource = {
        "resourceType": "Appointment",
        "id": f"appointment-{appointment.pk}",
        "status": appointment_status(appointment, session),
        "serviceType": [
            {
                "coding": [
                    {"system": codes.APPOINTMENT_TYPES, "code": appointment.appointment_type}
                ],
                "text": appointment.get_appointment_type_display(),
            }
        ],
        "start": _instant(appointment.starts_at),
        "end": _instant(appointment.ends_at),
        "minutesDuration": appointment.duration_min,
        "participant": [
            {"actor": at.reference("Patient", str(appointment.patient_id)), "status": "accepted"},
            {"actor": {"display": appointment.location.name}, "status": "accepted"},
        ],
    }
    if appointment.session:
        resource["description"] = f"session {appointment.session} of a series"
    return validated(resource)


def _entries(resources: Iterable[Resource], at: Addresser, search: bool) -> list[Resource]:
    return [
        {
            "fullUrl": at.full_url(resource["resourceType"], resource["id"]),
            "resource": resource,
            **({"search": {"mode": "match"}} if search else {}),
        }
        for resource in resources
    ]


def _bundle(
    kind: str,
    resources: list[Resource],
    at: Addresser,
    now: datetime,
    *,
    total: int | None = None,
    links: list[dict[str, str]] | None = None,
) -> Resource:
    bundle: Resource = {
        "resourceType": "Bundle",
        "type": kind,
        "timestamp": _instant(now),
        "entry": _entries(resources, at, search=kind == "searchset"),
    }
    if kind == "searchset":
        bundle["total"] = len(resources) if total is None else total
    if links:
        bundle["link"] = links
    return validated(bundle)


def searchset(page: SearchPage, at: Addresser, now: datetime) -> Resource:
    """A page of search results as a searchset Bundle with its total and links."""
    return _bundle("searchset", page.resources, at, now, total=page.total, links=page.links)


def observations(record: PatientRecord, at: Addresser) -> list[Resource]:
    """Scores (survey), weights and heights and session vital signs (vital signs) and test
    results (laboratory; the ECG as procedure), oldest first."""
    found: list[tuple[datetime, Resource]] = []
    for assessment in record.assessments:
        observation = score_observation(
            assessment, record.definition(assessment), at, record.version(assessment)
        )
        if observation is not None:
            found.append((assessment.completed_at, observation))
    for measurement in record.measurements:
        found.extend(
            (measurement.measured_at, r) for r in measurement_observations(measurement, at)
        )
    subject = at.reference("Patient", str(record.patient.pk))
    for vitals in record.vital_signs:
        encounter = at.reference("Encounter", f"session-{vitals.session_id}")
        found.extend(
            (vitals.at, r)
            for r in vital_sign_observations(vitals, subject, _instant(vitals.at), encounter)
        )
    for result in record.test_results:
        found.append((result.entered_at, validated(result_observation(result, subject))))
    return [resource for _, resource in sorted(found, key=lambda pair: pair[0])]


def record_resources(record: PatientRecord, at: Addresser) -> list[Resource]:
    """Every resource of the patient's record: Patient, Condition, Observations,
    QuestionnaireResponses, MedicationAdministrations, Appointments, Encounters and
    Procedures, and the Questionnaires the answers follow."""
    resources = [patient_resource(record.patient)]
    acr = [a for a in record.assessments if a.instrument_id == "acr2016"]
    condition = None
    if acr and (acr[-1].criteria or {}).get("met"):
        resources.append(
            condition_resource(record.patient, acr[-1], at, record.version(acr[-1])[0])
        )
        condition = resources[-1]["id"]
    resources.extend(observations(record, at))
    resources.extend(
        questionnaire_response(a, record.definition(a), at, record.version(a))
        for a in record.assessments
    )
    sessions = {s.session_id: s for s in record.sessions}
    resources.extend(
        medication_administration(
            event,
            number,
            at,
            at.reference("Encounter", f"session-{event.session_id}")
            if event.session_id in sessions
            else None,
        )
        for number, event in enumerate(record.infusions, start=1)
    )
    resources.extend(rescue_administration(given, at) for given in record.rescue_medications)
    latest = latest_sessions(record)
    resources.extend(appointment_resource(a, at, latest.get(a.pk)) for a in record.appointments)
    resources.extend(encounters_for(record, at, condition))
    resources.extend(procedures_for(record, at, condition))
    used = {
        (a.instrument_id, a.instrument_version): record.definition(a) for a in record.assessments
    }
    resources.extend(
        questionnaire_resource(definition)
        for _, definition in sorted(used.items())
        if definition is not None
    )
    return resources


def patient_bundle(record: PatientRecord, now: datetime, at: Addresser | None = None) -> Resource:
    """The patient's record as a collection Bundle (a file export)."""
    at = at or Addresser()
    return _bundle("collection", record_resources(record, at), at, now)

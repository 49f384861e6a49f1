"""Recording and amending assessments, and asking a patient to complete a bundle.

Every write checks the actor's permission first, validates, then commits the row, its
audit entry and any alerts it raises in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from ketaclinic.instruments import Bundle, Definition, InstrumentError, ScoreResult
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.roles import Role
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.alerts.services import NewAlert, raise_alerts
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput, NotFound
from ketaclinic.records.patients.lookups import patient_or_404
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.patients.signals import outcome_changed
from ketaclinic.records.toolkit import audits_refusals

from .choices import Context
from .inputs import (
    AmendmentIn,
    AssessmentIn,
    BundleRequestIn,
    WithdrawalIn,
    score_answers,
    validate,
)
from .models import Assessment, AssessmentRequest, EnteredBy, RequestWithdrawal
from .registry import registry


@dataclass(frozen=True)
class RequestStatus:
    """A bundle request and which of its instruments have a current assessment against it."""

    request: AssessmentRequest
    done: frozenset[str]

    @property
    def steps(self) -> list[tuple[Definition, bool]]:
        """Each asked instrument's definition (the active one) and whether it is done."""
        return [
            (registry().get(instrument_id), instrument_id in self.done)
            for instrument_id in self.request.instruments
        ]

    @property
    def title(self) -> str:
        bundles = {bundle.id: bundle.title for bundle in registry().bundles()}
        return bundles.get(self.request.bundle_id, self.request.bundle_id)

    @property
    def complete(self) -> bool:
        return set(self.request.instruments) <= self.done

    @property
    def withdrawn(self) -> bool:
        return hasattr(self.request, "withdrawal")

    @property
    def open(self) -> bool:
        """Still waiting for the patient: neither complete nor withdrawn."""
        return not (self.complete or self.withdrawn)

    @property
    def remaining(self) -> list[str]:
        return [i for i in self.request.instruments if i not in self.done]


def definition_for(instrument_id: str, version: str | None = None) -> Definition:
    """The definition, or ``InvalidInput`` naming ``instrument``."""
    try:
        return registry().get(instrument_id, version)
    except InstrumentError as error:
        raise InvalidInput.single(error.field, error.message) from None


def bundle_for(bundle_id: str) -> Bundle:
    try:
        return registry().bundle(bundle_id)
    except InstrumentError as error:
        raise InvalidInput.single(error.field, error.message) from None


def open_for_entry(actor: Actor, patient_id: int, action: Action) -> Patient:
    """The patient whose form the actor opens to take ``action``; audited as a view."""
    authorize(actor, action, patient_id=patient_id)
    patient = patient_or_404(patient_id)
    audit.record_on(actor, Action.PATIENT_VIEW, patient, detail={"for": action})
    return patient


@audits_refusals(Action.ASSESSMENT_RECORD)
def record_assessment(actor: Actor, patient_id: int, data: Mapping[str, Any]) -> Assessment:
    """Score and sign a completed instrument; raise the alerts its result carries.

    A patient's own submission must score as valid (they can answer what is missing).
    Without ``request_id``, the assessment completes the oldest open request of the same
    context that still asks for this instrument.
    """
    authorize(actor, Action.ASSESSMENT_RECORD, patient_id=patient_id)
    fields = validate(AssessmentIn, data)
    definition = definition_for(fields.instrument)
    by_patient = actor.role == Role.PATIENT
    result = score_answers(
        definition, fields.answers, require_valid=by_patient or not fields.accept_incomplete
    )
    patient_or_404(patient_id)
    with transaction.atomic():
        # Locking the patient serialises submissions, so a request's instrument is answered once.
        patient = Patient.objects.select_for_update().get(pk=patient_id)
        request = _request_for(patient, fields, definition.id)
        assessment = _create(
            actor,
            patient,
            result,
            context=fields.context,
            completed_at=fields.completed_at or timezone.now(),
            request=request,
        )
        audit.record(
            actor,
            Action.ASSESSMENT_RECORD,
            obj=assessment,
            patient_id=patient.pk,
            detail=_detail(assessment),
        )
        _raise(actor, patient, assessment, result, already=())
        outcome_changed(patient.pk)
    return assessment


@audits_refusals(Action.ASSESSMENT_AMEND)
def amend_assessment(
    actor: Actor, patient_id: int, assessment_id: int, data: Mapping[str, Any]
) -> Assessment:
    """Correct a signed assessment: a new row, scored with the original's version, pointing
    at the original, with the reason; the original stays as it was. Only the current
    version of a record can be amended (409 otherwise)."""
    authorize(actor, Action.ASSESSMENT_AMEND, patient_id=patient_id)
    fields = validate(AmendmentIn, data)
    original = _assessment(patient_id, assessment_id)
    definition = definition_for(original.instrument_id, original.instrument_version)
    result = score_answers(definition, fields.answers)
    with transaction.atomic():
        locked = (
            Assessment.objects.select_for_update().select_related("patient").get(pk=original.pk)
        )
        if Assessment.objects.filter(amends=locked).exists():
            raise Conflict(
                f"assessment {locked.pk} has already been amended; amend the current version"
            )
        amendment = _create(
            actor,
            locked.patient,
            result,
            context=fields.context or locked.context,
            completed_at=fields.completed_at or locked.completed_at,
            request=locked.request,
            amends=locked,
            reason=fields.reason,
        )
        audit.record(
            actor,
            Action.ASSESSMENT_AMEND,
            obj=amendment,
            patient_id=locked.patient_id,
            detail={**_detail(amendment), "amends": locked.pk, "reason": fields.reason},
        )
        _raise(actor, locked.patient, amendment, result, already=locked.alerts)
        outcome_changed(locked.patient_id)
    return amendment


@audits_refusals(Action.ASSESSMENT_REQUEST)
def request_bundle(actor: Actor, patient_id: int, data: Mapping[str, Any]) -> AssessmentRequest:
    """Ask the patient to complete a bundle (e.g. the baseline intake); 409 while an earlier
    request for the same bundle is still open."""
    authorize(actor, Action.ASSESSMENT_REQUEST, patient_id=patient_id)
    fields = validate(BundleRequestIn, data)
    bundle = bundle_for(fields.bundle)
    patient_or_404(patient_id)
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient_id)
        if _open_request(patient, bundle.id) is not None:
            raise Conflict(f"an earlier {bundle.id} request for this patient is still open")
        return _new_request(actor, patient, bundle, fields.context, fields.due_on)


def open_bundle_request(actor: Actor, patient_id: int, bundle_id: str) -> AssessmentRequest:
    """The patient's open request for the bundle, or a new baseline one (audited as a request).

    Internal: the caller has authorized a step that asks for the bundle (an intake invitation)
    and runs it in its own transaction."""
    bundle = bundle_for(bundle_id)
    patient = Patient.objects.select_for_update().get(pk=patient_id)
    found = _open_request(patient, bundle.id)
    return found or _new_request(actor, patient, bundle, Context.BASELINE, None)


def _open_request(patient: Patient, bundle_id: str) -> AssessmentRequest | None:
    statuses = _statuses(AssessmentRequest.objects.filter(patient=patient, bundle_id=bundle_id))
    return next((status.request for status in statuses if status.open), None)


def _new_request(
    actor: Actor, patient: Patient, bundle: Bundle, context: str, due_on: date | None
) -> AssessmentRequest:
    request = AssessmentRequest.objects.create(
        patient=patient,
        bundle_id=bundle.id,
        bundle_version=bundle.version,
        instruments=list(bundle.instruments),
        context=context,
        due_on=due_on,
        requested_by=actor.user,
    )
    audit.record(
        actor,
        Action.ASSESSMENT_REQUEST,
        obj=request,
        patient_id=patient.pk,
        detail={"bundle": bundle.id, "version": bundle.version, "context": context},
    )
    return request


def list_requests(actor: Actor, patient_id: int, *, open_only: bool = False) -> list[RequestStatus]:
    """The patient's bundle requests, newest first, with what is done (no scores)."""
    authorize(actor, Action.ASSESSMENT_REQUEST_VIEW, patient_id=patient_id)
    patient_or_404(patient_id)
    statuses = _statuses(AssessmentRequest.objects.filter(patient_id=patient_id))
    if open_only:
        statuses = [status for status in statuses if status.open]
    audit.record(
        actor,
        Action.ASSESSMENT_REQUEST_VIEW,
        patient_id=patient_id,
        detail={"shown": [status.request.pk for status in statuses]},
    )
    return statuses


@audits_refusals(Audited.ASSESSMENT_REQUEST_WITHDRAW)
def withdraw_request(
    actor: Actor, patient_id: int, request_id: int, data: Mapping[str, Any]
) -> RequestStatus:
    """Withdraw an open request with a reason; what was already answered stays on record."""
    authorize(actor, Action.ASSESSMENT_REQUEST, patient_id=patient_id)
    fields = validate(WithdrawalIn, data)
    patient_or_404(patient_id)
    with transaction.atomic():
        Patient.objects.select_for_update().get(pk=patient_id)
        statuses = _statuses(AssessmentRequest.objects.filter(patient_id=patient_id, pk=request_id))
        if not statuses:
            raise NotFound(f"request {request_id} does not exist for patient {patient_id}")
        status = statuses[0]
        if not status.open:
            state = "withdrawn" if status.withdrawn else "complete"
            raise Conflict(f"request {request_id} is already {state}")
        RequestWithdrawal.objects.create(
            request=status.request, reason=fields.reason, withdrawn_by=actor.user
        )
        audit.record(
            actor,
            Audited.ASSESSMENT_REQUEST_WITHDRAW,
            obj=status.request,
            patient_id=patient_id,
            detail={"reason": fields.reason, "done": sorted(status.done)},
        )
    return _statuses(AssessmentRequest.objects.filter(pk=request_id))[0]


def get_request(actor: Actor, patient_id: int, request_id: int) -> RequestStatus:
    authorize(actor, Action.ASSESSMENT_REQUEST_VIEW, patient_id=patient_id)
    statuses = _statuses(AssessmentRequest.objects.filter(patient_id=patient_id, pk=request_id))
    if not statuses:
        raise NotFound(f"request {request_id} does not exist for patient {patient_id}")
    audit.record(
        actor, Action.ASSESSMENT_REQUEST_VIEW, obj=statuses[0].request, patient_id=patient_id
    )
    return statuses[0]


def _statuses(requests: QuerySet[AssessmentRequest]) -> list[RequestStatus]:
    current = Assessment.objects.current().only("id", "request_id", "instrument_id")
    return [
        RequestStatus(request, frozenset(a.instrument_id for a in request.current_assessments))
        for request in requests.select_related(
            "requested_by", "withdrawal", "withdrawal__withdrawn_by"
        ).prefetch_related(Prefetch("assessments", queryset=current, to_attr="current_assessments"))
    ]


def _request_for(
    patient: Patient, fields: AssessmentIn, instrument_id: str
) -> AssessmentRequest | None:
    """The request this submission answers: the one named, or the oldest open one asking
    for this instrument in the same context."""
    requests = AssessmentRequest.objects.filter(patient=patient)
    if fields.request_id is None:
        candidates = _statuses(requests.filter(context=fields.context).order_by("requested_at"))
        return next(
            (
                s.request
                for s in candidates
                if s.open and instrument_id in s.request.instruments and instrument_id not in s.done
            ),
            None,
        )
    found = _statuses(requests.filter(pk=fields.request_id))
    if not found:
        raise InvalidInput.single("request_id", "is not a request for this patient")
    status = found[0]
    if status.withdrawn:
        raise InvalidInput.single("request_id", f"request {status.request.pk} was withdrawn")
    if instrument_id not in status.request.instruments:
        raise InvalidInput.single("request_id", f"does not ask for {instrument_id}")
    if fields.context != status.request.context:
        raise InvalidInput.single(
            "context", f"must be {status.request.context!s} for request {status.request.pk}"
        )
    if instrument_id in status.done:
        raise Conflict(
            f"request {status.request.pk} already has a {instrument_id}; amend that one instead"
        )
    return status.request


def _create(
    actor: Actor,
    patient: Patient,
    result: ScoreResult,
    *,
    context: str,
    completed_at: datetime,
    request: AssessmentRequest | None,
    amends: Assessment | None = None,
    reason: str = "",
) -> Assessment:
    scored = result.as_dict()
    return Assessment.objects.create(
        patient=patient,
        instrument_id=result.instrument,
        instrument_version=result.version,
        context=context,
        completed_at=completed_at,
        answers=scored["answers"],
        total=result.total,
        subscores=scored["subscores"],
        band_code=result.band.code if result.band else "",
        band_label=result.band.label if result.band else "",
        valid=result.valid,
        invalid_reasons=scored["invalid_reasons"],
        criteria=scored["criteria"],
        alerts=scored["alerts"],
        entered_by=EnteredBy.PATIENT if actor.role == Role.PATIENT else EnteredBy.STAFF,
        recorded_by=actor.user,
        request=request,
        amends=amends,
        amendment_reason=reason,
    )


def _raise(
    actor: Actor,
    patient: Patient,
    assessment: Assessment,
    result: ScoreResult,
    already: Sequence[Mapping[str, Any]],
) -> None:
    """Raise the result's alerts, except those an amended original raised word for word."""
    seen = {(alert["code"], alert["message"]) for alert in already}
    new = [
        NewAlert(code=alert.code, message=alert.message, severity=alert.severity)
        for alert in result.alerts
        if (alert.code, alert.message) not in seen
    ]
    if new:
        raise_alerts(actor, patient, assessment, new)


def _detail(assessment: Assessment) -> dict[str, Any]:
    return {
        "instrument": assessment.instrument_id,
        "version": assessment.instrument_version,
        "context": assessment.context,
        "request": assessment.request_id,
    }


def _assessment(patient_id: int, assessment_id: int) -> Assessment:
    try:
        return Assessment.objects.select_related("request").get(
            pk=assessment_id, patient_id=patient_id
        )
    except Assessment.DoesNotExist:
        raise NotFound(
            f"assessment {assessment_id} does not exist for patient {patient_id}"
        ) from None

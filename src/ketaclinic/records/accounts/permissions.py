"""The permission rules: one table of role × action.

Every service asks ``authorize`` before it reads or writes. A patient account holds only
the actions on its own record; that scope is checked with the object, not by the table.
"""

from __future__ import annotations

from enum import StrEnum

from ketaclinic.records.context import SYSTEM_ROLE

from .roles import Role


class Action(StrEnum):
    PATIENT_SEARCH = "patient.search"
    PATIENT_VIEW = "patient.view"
    PATIENT_REGISTER = "patient.register"
    PATIENT_EDIT_DEMOGRAPHICS = "patient.edit_demographics"
    PATIENT_EDIT_CLINICAL = "patient.edit_clinical"
    PATIENT_RECORD_MEASUREMENT = "patient.record_measurement"
    PK_SIMULATE = "pk.simulate"
    ALERT_VIEW = "alert.view"
    ALERT_ACKNOWLEDGE = "alert.acknowledge"
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"
    ACCOUNT_MANAGE = "account.manage"
    ASSESSMENT_VIEW = "assessment.view"
    ASSESSMENT_RECORD = "assessment.record"
    ASSESSMENT_AMEND = "assessment.amend"
    ASSESSMENT_REQUEST = "assessment.request"
    ASSESSMENT_REQUEST_VIEW = "assessment.request_view"
    BOOKING_VIEW = "booking.view"
    BOOKING_BOOK = "booking.book"
    BOOKING_CANCEL = "booking.cancel"
    BOOKING_RESCHEDULE = "booking.reschedule"
    BOOKING_NO_SHOW = "booking.no_show"
    BOARD_VIEW = "board.view"
    CLINIC_CONFIGURE = "clinic.configure"
    REMINDER_MANAGE = "reminder.manage"
    CALENDAR_FEED = "calendar.feed"
    PROTOCOL_VIEW = "protocol.view"
    SCREENING_VIEW = "screening.view"
    SCREENING_RUN = "screening.run"
    SCREENING_DECIDE = "screening.decide"
    PLAN_VIEW = "plan.view"
    PLAN_SUMMARY_VIEW = "plan.view_summary"
    PLAN_DRAFT = "plan.draft"
    PLAN_SIGN = "plan.sign"
    PLAN_OVERRIDE = "plan.override"
    ORDER_CREATE = "order.create"
    WEIGHT_CONFIRM = "order.confirm_weight"
    ORDER_PREPARE = "order.prepare"
    ORDER_VERIFY = "order.verify"
    TITRATION_RECORD = "titration.record"
    TITRATION_DECIDE = "titration.decide"
    LEDGER_VIEW = "ledger.view"
    LEDGER_SETUP = "ledger.setup"
    LEDGER_RECEIVE = "ledger.receive"
    LEDGER_DRAW = "ledger.draw"
    LEDGER_ADMINISTER = "ledger.administer"
    LEDGER_WASTE = "ledger.waste"
    LEDGER_WITNESS = "ledger.witness"
    LEDGER_CORRECT = "ledger.correct"
    LEDGER_COUNT = "ledger.count"
    LEDGER_RESOLVE = "ledger.resolve"
    LEDGER_REPORT = "ledger.report"
    LEDGER_LOSS_REPORT = "ledger.loss_report"
    OUTCOME_VIEW = "outcome.view"
    OUTCOME_RECORD_DISCONTINUATION = "outcome.record_discontinuation"
    BOOSTER_DECIDE = "outcome.decide_booster"
    COHORT_VIEW = "outcome.cohort"
    REPORT_PATIENT = "report.patient"
    REPORT_CLINIC = "report.clinic"
    EXPORT_FHIR = "export.fhir"
    EXPORT_CSV = "export.csv"
    EXPORT_RESEARCH = "export.research"
    IMPORT_PATIENTS = "import.patients"
    SESSION_VIEW = "session.view"
    SESSION_BOARD = "session.board"
    SESSION_CHECK_IN = "session.check_in"
    SESSION_RECORD = "session.record"
    SESSION_SIGN = "session.sign"
    SESSION_AMEND = "session.amend"
    SESSION_OVERRIDE = "session.override"
    ALERT_CLOSE_ADDRESSED = "alert.close_addressed"
    RESULT_VIEW = "result.view"
    RESULT_RECORD = "result.record"
    CONSENT_VIEW = "consent.view"
    CONSENT_SIGN = "consent.sign"
    CONSENT_COUNTERSIGN = "consent.countersign"


_CLINICAL_READ = {Action.PATIENT_SEARCH, Action.PATIENT_VIEW}
_ALERTS = {Action.ALERT_VIEW, Action.ALERT_ACKNOWLEDGE}
# Pharmacokinetic previews show doses: clinicians only (front desk sees no doses).
_PK = {Action.PK_SIMULATE}
# Clinicians see, record and amend scores; the front desk asks for bundles and sees which
# questionnaires are done, never a score.
_ASSESSMENTS = {
    Action.ASSESSMENT_VIEW,
    Action.ASSESSMENT_RECORD,
    Action.ASSESSMENT_AMEND,
    Action.ASSESSMENT_REQUEST,
    Action.ASSESSMENT_REQUEST_VIEW,
}
# Protocols, screening, plans, orders and titration all show doses or eligibility: clinicians
# only. Physicians decide eligibility, draft, sign, override soft limits, confirm a changed
# weight and decide titration; nurses create orders, prepare them and record tolerance; either
# may be the second clinician of a double-check. Patients see their own plan without doses.
_TREATMENT_SHARED = {
    Action.PROTOCOL_VIEW,
    Action.SCREENING_VIEW,
    Action.SCREENING_RUN,
    Action.PLAN_VIEW,
    Action.PLAN_SUMMARY_VIEW,
    Action.ORDER_CREATE,
    Action.ORDER_VERIFY,
    Action.TITRATION_RECORD,
}
_TREATMENT_PHYSICIAN = _TREATMENT_SHARED | {
    Action.SCREENING_DECIDE,
    Action.PLAN_DRAFT,
    Action.PLAN_SIGN,
    Action.PLAN_OVERRIDE,
    Action.WEIGHT_CONFIRM,
    Action.TITRATION_DECIDE,
}
_TREATMENT_NURSE = _TREATMENT_SHARED | {Action.ORDER_PREPARE}
# The controlled-substance ledger: the clinicians who handle the drug receive, draw, give,
# waste, witness, count and correct by reversing entries; physicians also set up products and
# cabinets, close discrepancies and report losses. Managers keep the books (receipts, reports,
# counts, discrepancies, loss reports) but never handle a dose. Front desk and patients: none.
_LEDGER_READ = {Action.LEDGER_VIEW, Action.LEDGER_REPORT}
_LEDGER_CLINICIAN = _LEDGER_READ | {
    Action.LEDGER_RECEIVE,
    Action.LEDGER_DRAW,
    Action.LEDGER_ADMINISTER,
    Action.LEDGER_WASTE,
    Action.LEDGER_WITNESS,
    Action.LEDGER_CORRECT,
    Action.LEDGER_COUNT,
}
_LEDGER_BOOKKEEPING = {
    Action.LEDGER_SETUP,
    Action.LEDGER_RESOLVE,
    Action.LEDGER_LOSS_REPORT,
}

# Scheduling: front desk, nurses and physicians book, move, cancel, mark no-shows, run the
# waitlist and follow up failed reminders; managers see the day board and utilisation and set
# up closures, nurse shifts and the ratio; patients see, cancel and move only their own visits.
# Calendar feeds: staff for a location or chair (patient initials only) or a patient; patients
# for their own.
_BOOKING_STAFF = {
    Action.BOOKING_VIEW,
    Action.BOOKING_BOOK,
    Action.BOOKING_CANCEL,
    Action.BOOKING_RESCHEDULE,
    Action.BOOKING_NO_SHOW,
    Action.BOARD_VIEW,
    Action.REMINDER_MANAGE,
    Action.CALENDAR_FEED,
}
_BOOKING_MANAGER = {Action.BOARD_VIEW, Action.CLINIC_CONFIGURE, Action.CALENDAR_FEED}
_BOOKING_PATIENT = {
    Action.BOOKING_VIEW,
    Action.BOOKING_CANCEL,
    Action.BOOKING_RESCHEDULE,
    Action.CALENDAR_FEED,
}
# Outcomes, reports and exports: clinicians see a patient's outcomes and progress report, export
# the patient's FHIR record and record a drop-out; physicians decide on booster suggestions and
# export the clinic's identified tables. Aggregates only for managers: the cohort dashboard, the
# monthly clinic report and the de-identified research export (researchers use a manager
# account); physicians, as medical directors, see them too. Who registers patients (physicians,
# front desk) may import them from FHIR. Patients see their own progress, report and record.
_OUTCOMES_CLINICIAN = {
    Action.OUTCOME_VIEW,
    Action.OUTCOME_RECORD_DISCONTINUATION,
    Action.REPORT_PATIENT,
    Action.EXPORT_FHIR,
}
_OUTCOMES_AGGREGATE = {Action.COHORT_VIEW, Action.REPORT_CLINIC, Action.EXPORT_RESEARCH}
_OUTCOMES_PHYSICIAN = (
    _OUTCOMES_CLINICIAN
    | _OUTCOMES_AGGREGATE
    | {Action.BOOSTER_DECIDE, Action.EXPORT_CSV, Action.IMPORT_PATIENTS}
)
_OUTCOMES_PATIENT = {Action.OUTCOME_VIEW, Action.REPORT_PATIENT, Action.EXPORT_FHIR}

# Infusion sessions: the front desk opens a session for a verified order, checks the patient in
# or cancels before the infusion, and sees the live board (states, times, alert counts: no
# doses). Nurses and physicians keep the flowsheet, move the session through its states, sign
# it and amend it. Managers and patients: none (outcomes and reports cover them).
_SESSIONS_DESK = {Action.SESSION_BOARD, Action.SESSION_CHECK_IN}
_SESSIONS_CLINICIAN = _SESSIONS_DESK | {
    Action.SESSION_VIEW,
    Action.SESSION_RECORD,
    Action.SESSION_SIGN,
    Action.SESSION_AMEND,
}
# Test results and informed consent: clinicians record and see results; a patient signs their
# own consent in the portal, or on a clinic tablet where a clinician opens it; the clinician
# and a witness countersign. Patients see their own consents, not their lab results here.
_RESULTS_CLINICIAN = {Action.RESULT_VIEW, Action.RESULT_RECORD}
_CONSENT_CLINICIAN = {Action.CONSENT_VIEW, Action.CONSENT_SIGN, Action.CONSENT_COUNTERSIGN}
_CONSENT_PATIENT = {Action.CONSENT_VIEW, Action.CONSENT_SIGN}

# Only a physician lets a blocked session step proceed (a signed gate override) and closes
# an alert addressed to the physician; a nurse adds a note of what was done.
_PHYSICIAN_DECISIONS = {Action.SESSION_OVERRIDE, Action.ALERT_CLOSE_ADDRESSED}

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.PHYSICIAN: frozenset(
        _CLINICAL_READ
        | _BOOKING_STAFF
        | _ALERTS
        | _PK
        | _ASSESSMENTS
        | _TREATMENT_PHYSICIAN
        | _OUTCOMES_PHYSICIAN
        | _LEDGER_CLINICIAN
        | _LEDGER_BOOKKEEPING
        | _SESSIONS_CLINICIAN
        | _PHYSICIAN_DECISIONS
        | _RESULTS_CLINICIAN
        | _CONSENT_CLINICIAN
        | {
            Action.PATIENT_REGISTER,
            Action.PATIENT_EDIT_DEMOGRAPHICS,
            Action.PATIENT_EDIT_CLINICAL,
            Action.PATIENT_RECORD_MEASUREMENT,
        }
    ),
    Role.NURSE: frozenset(
        _CLINICAL_READ
        | _BOOKING_STAFF
        | _ALERTS
        | _PK
        | _ASSESSMENTS
        | _TREATMENT_NURSE
        | _OUTCOMES_CLINICIAN
        | _LEDGER_CLINICIAN
        | _SESSIONS_CLINICIAN
        | _RESULTS_CLINICIAN
        | _CONSENT_CLINICIAN
        | {
            Action.PATIENT_EDIT_DEMOGRAPHICS,
            Action.PATIENT_EDIT_CLINICAL,
            Action.PATIENT_RECORD_MEASUREMENT,
        }
    ),
    Role.FRONT_DESK: frozenset(
        _CLINICAL_READ
        | {Action.IMPORT_PATIENTS}
        | _BOOKING_STAFF
        | _SESSIONS_DESK
        | {
            Action.PATIENT_REGISTER,
            Action.PATIENT_EDIT_DEMOGRAPHICS,
            Action.ASSESSMENT_REQUEST,
            Action.ASSESSMENT_REQUEST_VIEW,
        }
    ),
    Role.MANAGER: frozenset(
        {Action.AUDIT_VIEW, Action.AUDIT_EXPORT, Action.ACCOUNT_MANAGE}
        | _OUTCOMES_AGGREGATE
        | _BOOKING_MANAGER
        | _LEDGER_READ
        | _LEDGER_BOOKKEEPING
        | {Action.LEDGER_RECEIVE}
    ),
    Role.PATIENT: frozenset(
        {
            Action.PATIENT_VIEW,
            Action.ASSESSMENT_VIEW,
            Action.ASSESSMENT_RECORD,
            Action.ASSESSMENT_REQUEST_VIEW,
            Action.PLAN_SUMMARY_VIEW,
        }
        | _BOOKING_PATIENT
        | _OUTCOMES_PATIENT
        | _CONSENT_PATIENT
    ),
}

# Actions a patient account may take, and then only on its own record.
OWN_RECORD_ONLY: dict[Role, frozenset[Action]] = {Role.PATIENT: PERMISSIONS[Role.PATIENT]}


# Minimum necessary: whoever may open a record sees its demographics, contacts and scheduling;
# its clinical part (allergies, medications, history) only these roles (a patient: their own).
CLINICAL_PART_ROLES = frozenset({Role.PHYSICIAN, Role.NURSE, Role.PATIENT})

# What the labelled ``system`` actor (an operator at the server, ``--system``) may do:
# maintain accounts, never read or change a patient's record.
SYSTEM_ACTIONS = frozenset({Action.ACCOUNT_MANAGE})


def role_allows(role: str, action: Action) -> bool:
    """Whether the table grants ``action`` to ``role`` (before any record scope)."""
    if role == SYSTEM_ROLE:
        return action in SYSTEM_ACTIONS
    try:
        return action in PERMISSIONS[Role(role)]
    except ValueError:
        return False

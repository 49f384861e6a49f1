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
    PRICE_VIEW = "price.view"
    PRICE_SET = "price.set"
    ESTIMATE_VIEW = "estimate.view"
    ESTIMATE_ISSUE = "estimate.issue"
    # Billing (issue 16: self-pay).
    BILLING_VIEW = "billing.view"
    PAYMENT_RECORD = "billing.payment"
    REFUND_RECORD = "billing.refund"
    BILLING_ADJUST = "billing.adjust"
    PACKAGE_SELL = "billing.package_sell"
    BILLING_REPORT = "billing.report"
    CASH_COUNT = "billing.cash_count"
    VISIT_COMPLETE = "visit.complete"
    EMERGENCY_ACCESS = "emergency.access"
    EMERGENCY_REVIEW = "emergency.review"
    RECORD_RESTRICT = "record.restrict"
    INTAKE_INVITE = "intake.invite"
    INTAKE_FILL = "intake.fill"
    INTAKE_REVIEW = "intake.review"
    INTAKE_CONFIRM = "intake.confirm"
    ENQUIRY_VIEW = "enquiry.view"
    ENQUIRY_MANAGE = "enquiry.manage"


_CLINICAL_READ = {Action.PATIENT_SEARCH, Action.PATIENT_VIEW}
# The front-desk queue of consultation requests from the public site.
_ENQUIRIES = {Action.ENQUIRY_VIEW, Action.ENQUIRY_MANAGE}
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
_BOOKING_PATIENT = {
    Action.BOOKING_VIEW,
    Action.BOOKING_CANCEL,
    Action.BOOKING_RESCHEDULE,
    Action.CALENDAR_FEED,
}
_BOOKING_STAFF = _BOOKING_PATIENT | {
    Action.BOOKING_BOOK,
    Action.BOOKING_NO_SHOW,
    Action.BOARD_VIEW,
    Action.REMINDER_MANAGE,
}
_BOOKING_MANAGER = {Action.BOARD_VIEW, Action.CLINIC_CONFIGURE, Action.CALENDAR_FEED}
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

# Prices and Good Faith Estimates: every staff member reads the price lists; managers set them
# (and who bills: name, NPI, tax id). The front desk and managers issue and see estimates;
# clinicians see no money by default; a patient sees their own estimates.
_PRICES_READ = {Action.PRICE_VIEW}
_ESTIMATES_DESK = {Action.ESTIMATE_VIEW, Action.ESTIMATE_ISSUE}

# Billing: the front desk records payments, deposits, refunds and adjustments, sells packages
# and counts the cash at day close; managers do the same and see the reports (day close, the
# estimates outrun). A patient sees their own balance, receipts and superbills. Clinicians see
# no money; they (and the front desk) mark a consultation done, which posts its charge.
_BILLING_DESK = {
    Action.BILLING_VIEW,
    Action.PAYMENT_RECORD,
    Action.REFUND_RECORD,
    Action.BILLING_ADJUST,
    Action.PACKAGE_SELL,
    Action.CASH_COUNT,
    Action.BILLING_REPORT,
    Action.VISIT_COMPLETE,
}
_BILLING_MANAGER = _BILLING_DESK - {Action.VISIT_COMPLETE}
# Emergency access (records/accounts/emergency.py): a clinician opens a restricted record
# outside their care team with a reason; managers restrict records and review every such use.
_EMERGENCY_CLINICIAN = {Action.EMERGENCY_ACCESS}
_EMERGENCY_MANAGER = {Action.EMERGENCY_REVIEW, Action.RECORD_RESTRICT}
# Online intake: the front desk, physicians and managers send a patient the single-use link;
# the patient fills in their own intake; physicians and nurses review what the patient entered
# and confirm it into the record.
_INTAKE_CLINICIAN = {Action.INTAKE_REVIEW, Action.INTAKE_CONFIRM}

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
        | _PRICES_READ
        | {Action.VISIT_COMPLETE}
        | _EMERGENCY_CLINICIAN
        | _INTAKE_CLINICIAN
        | {Action.INTAKE_INVITE}
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
        | _PRICES_READ
        | {Action.VISIT_COMPLETE}
        | _EMERGENCY_CLINICIAN
        | _INTAKE_CLINICIAN
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
        | _PRICES_READ
        | _ESTIMATES_DESK
        | _BILLING_DESK
        | _ENQUIRIES
        | {
            Action.PATIENT_REGISTER,
            Action.PATIENT_EDIT_DEMOGRAPHICS,
            Action.ASSESSMENT_REQUEST,
            Action.ASSESSMENT_REQUEST_VIEW,
            Action.INTAKE_INVITE,
        }
    ),
    Role.MANAGER: frozenset(
        {Action.AUDIT_VIEW, Action.AUDIT_EXPORT, Action.ACCOUNT_MANAGE, Action.INTAKE_INVITE}
        | _OUTCOMES_AGGREGATE
        | _BOOKING_MANAGER
        | _ENQUIRIES
        | _LEDGER_READ
        | _LEDGER_BOOKKEEPING
        | {Action.LEDGER_RECEIVE}
        | _PRICES_READ
        | _ESTIMATES_DESK
        | {Action.PRICE_SET}
        | _BILLING_MANAGER
        | _EMERGENCY_MANAGER
    ),
    Role.PATIENT: frozenset(
        {
            Action.PATIENT_VIEW,
            Action.ASSESSMENT_VIEW,
            Action.ASSESSMENT_RECORD,
            Action.ASSESSMENT_REQUEST_VIEW,
            Action.PLAN_SUMMARY_VIEW,
            Action.INTAKE_FILL,
        }
        | _BOOKING_PATIENT
        | _OUTCOMES_PATIENT
        | _CONSENT_PATIENT
        | {Action.ESTIMATE_VIEW}
        | {Action.BILLING_VIEW}
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

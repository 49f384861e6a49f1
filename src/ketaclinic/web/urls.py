"""The web pages, grouped by the path they share (a patient's pages, a plan's, a location's
ledger ...); every name is in the ``web`` namespace."""

from django.urls import URLPattern, URLResolver, include, path

from .views import (
    accounts_admin,
    alerts,
    assessments,
    audit,
    auth,
    billing,
    board,
    bookings,
    consents,
    emergency,
    enquiries,
    intake,
    intake_portal,
    ledger,
    live_board,
    locations,
    mfa,
    outcomes,
    patients,
    pk,
    plans,
    pricing,
    protocols,
    public,
    questionnaires,
    reports,
    results,
    session_record,
    sessions,
    waitlist,
    worklists,
)

app_name = "web"

patient_assessments = [
    path("", assessments.assessment_history, name="assessment-history"),
    path("baseline/", assessments.baseline_summary, name="assessment-baseline"),
    path("new/<slug:instrument>/", assessments.assessment_new, name="assessment-new"),
    path("<int:assessment_id>/", assessments.assessment_detail, name="assessment-detail"),
    path("<int:assessment_id>/amend/", assessments.assessment_amend, name="assessment-amend"),
]

patient_outcomes = [
    path("", outcomes.patient_outcomes, name="patient-outcomes"),
    path("booster/", outcomes.booster_decide, name="booster-decide"),
    path("discontinuation/", outcomes.discontinuation_create, name="discontinuation-create"),
]

patient_billing = [
    path("", billing.patient_billing, name="patient-billing"),
    path("receipts/<int:number>.pdf", billing.receipt_pdf, name="patient-receipt"),
    path("superbill.pdf", billing.superbill_pdf, name="patient-superbill"),
]

patient: list[URLPattern | URLResolver] = [
    path("", patients.patient_detail, name="patient-detail"),
    path("edit/", patients.patient_edit, name="patient-edit"),
    path("emergency-access/", emergency.emergency_open, name="emergency-open"),
    path("restriction/", emergency.record_restriction, name="record-restriction"),
    path("measurements/", patients.measurement_create, name="measurement-create"),
    path("assessments/", include(patient_assessments)),
    path(
        "assessment-requests/new/",
        assessments.request_create,
        name="assessment-request-create",
    ),
    path(
        "assessment-requests/<int:request_id>/withdraw/",
        assessments.request_withdraw,
        name="assessment-request-withdraw",
    ),
    path("screening/", plans.screening_page, name="screening"),
    path("screening/run/", plans.screening_run, name="screening-run"),
    path("screening/<int:screening_id>/decide/", plans.screening_decide, name="screening-decide"),
    path("plans/new/", plans.plan_build, name="plan-build"),
    path("plans/calculate/", plans.plan_calculate, name="plan-calculate"),
    path("series/new/", bookings.series_new, name="series-new"),
    path("sessions/open/", sessions.session_open, name="session-open"),
    path("outcomes/", include(patient_outcomes)),
    path("intake/invite/", intake.intake_invite, name="intake-invite"),
    path("report.pdf", outcomes.patient_report, name="patient-report"),
    path("fhir.json", outcomes.patient_fhir, name="patient-fhir"),
    path("billing/", include(patient_billing)),
]


billing_pages = [
    path("", billing.day_close, name="day-close"),
    path(
        "consultations/<int:appointment_id>/done/",
        billing.consultation_complete,
        name="consultation-complete",
    ),
]

my_billing = [
    path("", billing.my_billing, name="my-billing"),
    path("receipts/<int:number>.pdf", billing.my_receipt, name="my-receipt"),
    path("superbill.pdf", billing.my_superbill, name="my-superbill"),
]

plan = [
    path("", plans.plan_detail, name="plan-detail"),
    path("sign/", plans.plan_sign, name="plan-sign"),
    path("orders/", plans.order_create, name="order-create"),
    path("confirm-weight/", plans.weight_confirm, name="weight-confirm"),
    path("titrations/", plans.titration_record, name="titration-record"),
    path("titrations/<int:proposal_id>/decide/", plans.titration_decide, name="titration-decide"),
]

order = [
    path("", plans.order_detail, name="order-detail"),
    path("prepare/", plans.order_prepare, name="order-prepare"),
    path("verify/", plans.order_verify, name="order-verify"),
]

appointment = [
    path("reschedule/", bookings.appointment_reschedule, name="appointment-reschedule"),
    path("cancel/", bookings.appointment_cancel, name="appointment-cancel"),
    path("no-show/", bookings.appointment_no_show, name="appointment-no-show"),
    path("free-slots/", bookings.appointment_free_slots, name="appointment-free-slots"),
]

location = [
    path("", locations.location_detail, name="location-detail"),
    path("closures/", locations.closure_add, name="closure-add"),
    path("shifts/", locations.shift_add, name="shift-add"),
    path("hours/", locations.hours_set, name="hours-set"),
    path("chairs/", locations.chair_add, name="chair-add"),
    path("rooms/", locations.room_add, name="room-add"),
    path("settings/", locations.location_settings, name="location-settings"),
]

session = [
    path("", sessions.session_detail, name="session-detail"),
    # Before the action pattern: "print" would otherwise be taken for a (POST-only) action.
    path("record.pdf", session_record.record_pdf, name="session-record-pdf"),
    path("print/", session_record.record_print, name="session-record-print"),
    path("<slug:action>/", sessions.session_action, name="session-action"),
]

waitlist_pages = [
    path("", waitlist.waitlist_page, name="waitlist"),
    path("add/", waitlist.waitlist_add, name="waitlist-add"),
    path("<int:entry_id>/withdraw/", waitlist.waitlist_withdraw, name="waitlist-withdraw"),
    path("offers/<int:offer_id>/book/", waitlist.offer_book, name="waitlist-offer-book"),
    path("offers/<int:offer_id>/decline/", waitlist.offer_decline, name="waitlist-offer-decline"),
]

ledger_location = [
    path("", ledger.ledger_stock, name="ledger-stock"),
    path("receive/", ledger.ledger_receive, name="ledger-receive"),
    path("draw/", ledger.ledger_draw, name="ledger-draw"),
    path("adjust/", ledger.ledger_adjust, name="ledger-adjust"),
    path("counts/", ledger.ledger_counts, name="ledger-counts"),
    path("counts/new/<int:storage_id>/", ledger.ledger_count_new, name="ledger-count-new"),
    path("discrepancies/", ledger.ledger_discrepancies, name="ledger-discrepancies"),
    path(
        "discrepancies/<int:discrepancy_id>/resolve/",
        ledger.ledger_resolve,
        name="ledger-resolve",
    ),
    path("losses/", ledger.ledger_losses, name="ledger-losses"),
    path("losses/new/", ledger.ledger_loss_new, name="ledger-loss-new"),
    path("losses/<int:report_id>/filings/", ledger.ledger_filing, name="ledger-filing"),
    path("reports/", ledger.ledger_reports, name="ledger-reports"),
    path("reports.csv", ledger.ledger_report_csv, name="ledger-report-csv"),
]

ledger_pages: list[URLPattern | URLResolver] = [
    path("", ledger.ledger_home, name="ledger-home"),
    path("setup/", ledger.ledger_setup, name="ledger-setup"),
    path("setup/products/", ledger.ledger_product_new, name="ledger-product-new"),
    path("setup/storage/", ledger.ledger_storage_new, name="ledger-storage-new"),
    path("draws/<int:draw_id>/", ledger.ledger_draw_detail, name="ledger-draw-detail"),
    path(
        "draws/<int:draw_id>/administered/", ledger.ledger_administered, name="ledger-administered"
    ),
    path("draws/<int:draw_id>/waste/", ledger.ledger_waste, name="ledger-waste"),
    path("entries/<int:entry_id>/reverse/", ledger.ledger_reverse, name="ledger-reverse"),
    path("locations/<slug:slug>/", include(ledger_location)),
]

intake_pages = [
    path("start/<str:token>/", intake_portal.intake_start, name="intake-start"),
    path("reviews/", intake.intake_reviews, name="intake-reviews"),
    path("reviews/<int:intake_id>/", intake.intake_review, name="intake-review"),
]

my_intake_pages = [
    path("", intake_portal.my_intake, name="my-intake"),
    path("send/", intake_portal.my_intake_submit, name="my-intake-submit"),
    path("<slug:section>/", intake_portal.my_intake_section, name="my-intake-section"),
]

public_pages = [
    path("therapy/", public.therapy, name="public-therapy"),
    path("book/", public.book, name="public-book"),
    path("book/received/", public.booked, name="public-booked"),
]

enquiry_pages = [
    path("", enquiries.request_list, name="enquiry-list"),
    path("settings/", enquiries.front_door_settings, name="front-door-settings"),
    path("<int:request_id>/", enquiries.request_detail, name="enquiry-detail"),
    path("<int:request_id>/status/", enquiries.request_status, name="enquiry-status"),
    path("<int:request_id>/convert/", enquiries.request_convert, name="enquiry-convert"),
]

account_pages = [
    path("", accounts_admin.account_list, name="account-list"),
    path("<int:account_id>/role/", accounts_admin.account_role, name="account-role"),
    path("<int:account_id>/password-link/", accounts_admin.account_reset, name="account-reset"),
    path("<int:account_id>/<slug:change>/", accounts_admin.account_change, name="account-change"),
]

report_pages = [
    path("", reports.reports_index, name="reports"),
    path("clinic.pdf", reports.clinic_report, name="clinic-report"),
    path("research.zip", reports.research_export, name="research-export"),
    path("tables.zip", reports.csv_export, name="csv-export"),
]

urlpatterns = [
    path("", auth.home, name="home"),
    path("today/", worklists.worklist_page, name="worklist"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("session/keep-alive", auth.keep_alive, name="keep-alive"),
    path("favicon.ico", auth.favicon, name="favicon"),
    path("login/code/", mfa.mfa_verify, name="mfa-verify"),
    path("account/second-factor/", mfa.mfa_account, name="mfa-account"),
    path("account/second-factor/enrol/", mfa.mfa_enrol, name="mfa-enrol"),
    path("emergency-access/", emergency.emergency_reviews, name="emergency-reviews"),
    path(
        "emergency-access/<int:access_id>/review/",
        emergency.emergency_review,
        name="emergency-review",
    ),
    path("accounts/", include(account_pages)),
    path("password/<str:secret>/", accounts_admin.password_reset, name="password-reset"),
    path("patients/", patients.patient_list, name="patient-list"),
    path("patients/new/", patients.patient_create, name="patient-create"),
    path("patients/<int:patient_id>/", include(patient)),
    path("my/questionnaires/", questionnaires.my_questionnaires, name="my-questionnaires"),
    path(
        "my/questionnaires/<slug:instrument>/",
        questionnaires.my_questionnaire,
        name="my-questionnaire",
    ),
    path("my/appointments/", bookings.my_appointments, name="my-appointments"),
    path("my/intake/", include(my_intake_pages)),
    path("intake/", include(intake_pages)),
    path("pk/preview/", pk.pk_preview, name="pk-preview"),
    path("pk/simulator/", pk.pk_simulator, name="pk-simulator"),
    path("alerts/", alerts.alert_list, name="alert-list"),
    path("alerts/<int:alert_id>/acknowledge/", alerts.alert_acknowledge, name="alert-acknowledge"),
    path("alerts/<int:alert_id>/note/", alerts.alert_note, name="alert-note"),
    path("protocols/", protocols.protocol_list, name="protocol-list"),
    path("protocols/<str:protocol_id>/", protocols.protocol_detail, name="protocol-detail"),
    path("plans/<int:plan_id>/", include(plan)),
    path("orders/<int:order_id>/", include(order)),
    path("audit/", audit.audit_list, name="audit-list"),
    path("audit.csv", audit.audit_csv, name="audit-csv"),
    path("series/<int:series_id>/", bookings.series_detail, name="series-detail"),
    path("series/<int:series_id>/cancel/", bookings.series_cancel, name="series-cancel"),
    path("appointments/<int:appointment_id>/", include(appointment)),
    path("my/consent/", consents.my_consent, name="my-consent"),
    path("patients/<int:patient_id>/consents/", consents.patient_consents, name="patient-consents"),
    path(
        "patients/<int:patient_id>/consents/<int:consent_id>/countersign/",
        consents.countersign,
        name="consent-countersign",
    ),
    path("consents/<int:consent_id>.pdf", consents.consent_as_pdf, name="consent-pdf"),
    path("patients/<int:patient_id>/results/", results.patient_results, name="patient-results"),
    path("calendar-feeds/new/", bookings.feed_create, name="feed-create"),
    path("calendar-feeds/<int:feed_id>/revoke/", bookings.feed_revoke, name="feed-revoke"),
    path("calendar/<str:token>.ics", bookings.calendar_feed, name="calendar-feed"),
    path("reminders/", bookings.reminder_list, name="reminder-list"),
    path("board/", board.day_board, name="day-board"),
    path("locations/", locations.location_list, name="location-list"),
    path("locations/<int:location_id>/", include(location)),
    path("locations/chairs/<int:chair_id>/use/", locations.chair_use, name="chair-use"),
    path("closures/<int:closure_id>/remove/", locations.closure_remove, name="closure-remove"),
    path("shifts/<int:shift_id>/remove/", locations.shift_remove, name="shift-remove"),
    path("waitlist/", include(waitlist_pages)),
    path("ledger/", include(ledger_pages)),
    path("chairs/", live_board.live_board, name="live-board"),
    path("chairs/<int:location_id>/", live_board.live_board, name="live-board-location"),
    path("sessions/<int:session_id>/", include(session)),
    path("outcomes/", outcomes.cohort_dashboard, name="cohort"),
    path("reports/", include(report_pages)),
    path("prices/", pricing.price_lists, name="prices"),
    path("prices/billing-provider/", pricing.billing_provider, name="billing-provider"),
    path(
        "patients/<int:patient_id>/estimates/", pricing.patient_estimates, name="patient-estimates"
    ),
    path("patients/<int:patient_id>/estimates/new/", pricing.estimate_issue, name="estimate-issue"),
    path("estimates/<int:estimate_id>.pdf", pricing.estimate_pdf, name="estimate-pdf"),
    path("my/estimates/", pricing.my_estimates, name="my-estimates"),
    path("billing/", include(billing_pages)),
    path("my/billing/", include(my_billing)),
    path("", include(public_pages)),
    path("requests/", include(enquiry_pages)),
]

from django.urls import path

from .views import alerts, assessments, audit, auth, patients, pk, plans, protocols, questionnaires

app_name = "web"

urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("patients/", patients.patient_list, name="patient-list"),
    path("patients/new/", patients.patient_create, name="patient-create"),
    path("patients/<int:patient_id>/", patients.patient_detail, name="patient-detail"),
    path("patients/<int:patient_id>/edit/", patients.patient_edit, name="patient-edit"),
    path(
        "patients/<int:patient_id>/measurements/",
        patients.measurement_create,
        name="measurement-create",
    ),
    path(
        "patients/<int:patient_id>/assessments/",
        assessments.assessment_history,
        name="assessment-history",
    ),
    path(
        "patients/<int:patient_id>/assessments/baseline/",
        assessments.baseline_summary,
        name="assessment-baseline",
    ),
    path(
        "patients/<int:patient_id>/assessments/new/<slug:instrument>/",
        assessments.assessment_new,
        name="assessment-new",
    ),
    path(
        "patients/<int:patient_id>/assessments/<int:assessment_id>/",
        assessments.assessment_detail,
        name="assessment-detail",
    ),
    path(
        "patients/<int:patient_id>/assessments/<int:assessment_id>/amend/",
        assessments.assessment_amend,
        name="assessment-amend",
    ),
    path(
        "patients/<int:patient_id>/assessment-requests/new/",
        assessments.request_create,
        name="assessment-request-create",
    ),
    path("my/questionnaires/", questionnaires.my_questionnaires, name="my-questionnaires"),
    path(
        "my/questionnaires/<slug:instrument>/",
        questionnaires.my_questionnaire,
        name="my-questionnaire",
    ),
    path("pk/preview/", pk.pk_preview, name="pk-preview"),
    path("pk/simulator/", pk.pk_simulator, name="pk-simulator"),
    path("alerts/", alerts.alert_list, name="alert-list"),
    path("alerts/<int:alert_id>/acknowledge/", alerts.alert_acknowledge, name="alert-acknowledge"),
    path("protocols/", protocols.protocol_list, name="protocol-list"),
    path("protocols/<str:protocol_id>/", protocols.protocol_detail, name="protocol-detail"),
    path("patients/<int:patient_id>/screening/", plans.screening_page, name="screening"),
    path("patients/<int:patient_id>/screening/run/", plans.screening_run, name="screening-run"),
    path(
        "patients/<int:patient_id>/screening/<int:screening_id>/decide/",
        plans.screening_decide,
        name="screening-decide",
    ),
    path("patients/<int:patient_id>/plans/new/", plans.plan_build, name="plan-build"),
    path(
        "patients/<int:patient_id>/plans/calculate/",
        plans.plan_calculate,
        name="plan-calculate",
    ),
    path("plans/<int:plan_id>/", plans.plan_detail, name="plan-detail"),
    path("plans/<int:plan_id>/sign/", plans.plan_sign, name="plan-sign"),
    path("plans/<int:plan_id>/orders/", plans.order_create, name="order-create"),
    path("plans/<int:plan_id>/confirm-weight/", plans.weight_confirm, name="weight-confirm"),
    path("plans/<int:plan_id>/titrations/", plans.titration_record, name="titration-record"),
    path(
        "plans/<int:plan_id>/titrations/<int:proposal_id>/decide/",
        plans.titration_decide,
        name="titration-decide",
    ),
    path("orders/<int:order_id>/", plans.order_detail, name="order-detail"),
    path("orders/<int:order_id>/prepare/", plans.order_prepare, name="order-prepare"),
    path("orders/<int:order_id>/verify/", plans.order_verify, name="order-verify"),
    path("audit/", audit.audit_list, name="audit-list"),
    path("audit.csv", audit.audit_csv, name="audit-csv"),
]

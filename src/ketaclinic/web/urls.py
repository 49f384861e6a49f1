from django.urls import path

from .views import alerts, assessments, audit, auth, patients, pk, questionnaires

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
    path("audit/", audit.audit_list, name="audit-list"),
    path("audit.csv", audit.audit_csv, name="audit-csv"),
]

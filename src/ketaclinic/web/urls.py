from django.urls import path

from .views import alerts, audit, auth, patients

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
    path("alerts/", alerts.alert_list, name="alert-list"),
    path("alerts/<int:alert_id>/acknowledge/", alerts.alert_acknowledge, name="alert-acknowledge"),
    path("audit/", audit.audit_list, name="audit-list"),
    path("audit.csv", audit.audit_csv, name="audit-csv"),
]

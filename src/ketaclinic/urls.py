from django.urls import include, path

from ketaclinic.api import api, health
from ketaclinic.api.fhir import fhir_api

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("api/", api.urls),
    path("fhir/", fhir_api.urls),
    path("", include("ketaclinic.web.urls")),
]

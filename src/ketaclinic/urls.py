from django.urls import include, path

from ketaclinic.api import api
from ketaclinic.api.fhir import fhir_api

urlpatterns = [
    path("api/", api.urls),
    path("fhir/", fhir_api.urls),
    path("", include("ketaclinic.web.urls")),
]

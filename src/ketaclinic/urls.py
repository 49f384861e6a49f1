from django.urls import include, path

from ketaclinic.api import api

urlpatterns = [
    path("api/", api.urls),
    path("", include("ketaclinic.web.urls")),
]

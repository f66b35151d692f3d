"""Top-level URLs. Apps add theirs as their issues arrive (portal, api, open311, ledger, …)."""

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import path

from publica.catalogue.selectors import service_list


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok", "services": service_list().count()})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
]

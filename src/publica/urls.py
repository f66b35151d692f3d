"""Top-level URLs. Apps add theirs as their issues arrive (portal, api, open311, ledger, …)."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path

from publica.catalogue.selectors import service_list


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok", "services": service_list().count()})


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "publica/home.html", {"services": service_list()})


urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
]

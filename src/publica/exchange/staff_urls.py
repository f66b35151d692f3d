"""The auditor's pages."""

from django.urls import path

from publica.exchange.views import audit

app_name = "exchange_staff"

urlpatterns = [
    path("", audit.access_audit, name="audit"),
]

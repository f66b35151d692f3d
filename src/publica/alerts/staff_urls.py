"""The back office's alert pages, at /staff/alerts/."""

from django.urls import path

from publica.alerts import staff_views

app_name = "staff_alerts"

urlpatterns = [
    path("", staff_views.alert_list, name="list"),
    path("new/", staff_views.publish, name="publish"),
]

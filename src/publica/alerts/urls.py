"""Residents' alert pages, at /alerts/."""

from django.urls import path

from publica.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.start, name="start"),
    path("check-your-messages/", views.sent, name="sent"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("manage/<str:token>/", views.manage, name="manage"),
]

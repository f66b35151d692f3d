"""Public pages and downloads of procurement."""

from django.urls import path  # noqa: F401

app_name = "procurement"
urlpatterns: list = []

"""/api/3/action/<name> and /api/action/<name>: one view answers every action."""

from django.urls import path

from publica.opendata.ckan import views

urlpatterns = [path("<str:action>", views.action, name="action")]

"""SensorThings API 1.1 routes, mounted at /sta/v1.1/."""

from django.urls import path, re_path

from publica.sensors import views

app_name = "sensors"

urlpatterns = [
    path("", views.service_root, name="root"),
    path("CreateObservations", views.create_observations, name="create-observations"),
    re_path(r"^(?P<path>.+)$", views.resource, name="resource"),
]

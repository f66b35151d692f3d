"""The back office's sensors pages, at /staff/sensors/."""

from django.urls import path

from publica.sensors import staff_views

app_name = "staff_sensors"

urlpatterns = [
    path("", staff_views.overview, name="overview"),
    path("things/<int:thing_id>/", staff_views.thing_detail, name="thing"),
    path(
        "datastreams/<int:datastream_id>/publication/",
        staff_views.datastream_publication,
        name="publication",
    ),
]

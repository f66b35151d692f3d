"""Public procurement pages and OCDS 1.1 downloads, at /opendata/ocds/."""

from django.urls import path

from publica.procurement import views

app_name = "procurement"

urlpatterns = [
    path("", views.index, name="index"),
    path("releases.json", views.release_package, name="releases"),
    path("releases/<str:ocid>.json", views.process_release_package, name="process-releases"),
    path("records.json", views.record_package, name="records"),
    path("records/<str:ocid>.json", views.process_record_package, name="process-record"),
    path("<str:ocid>/", views.process_page, name="process"),
]

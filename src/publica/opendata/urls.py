"""/opendata/: the datasets' pages and downloads, and the DCAT-AP catalogue."""

from django.urls import path

from publica.opendata import dcat_views, views

app_name = "opendata"
urlpatterns = [
    path("", views.index, name="index"),
    path("catalog.<str:extension>", dcat_views.catalogue, name="catalogue"),
    path("datasets/<slug:name>/", views.dataset, name="dataset"),
    path("datasets/<slug:name>/download.<str:extension>", views.download, name="download"),
    path("datasets/<slug:name>/dcat.<str:extension>", dcat_views.dataset, name="dcat"),
    path("datasets/<slug:name>/schema.json", dcat_views.schema, name="schema"),
]

"""The site's URLs with `opendata:schema` routed, for the DCAT tests, until
`opendata/urls.py` routes it itself (then this adds nothing). No tests here."""

from django.urls import include, path

from publica import urls as site
from publica.opendata import dcat_views
from publica.opendata import urls as opendata


def _opendata_patterns() -> list:  # type: ignore[type-arg]
    if any(getattr(pattern, "name", None) == "schema" for pattern in opendata.urlpatterns):
        return list(opendata.urlpatterns)
    schema = path("datasets/<slug:name>/schema.json", dcat_views.schema, name="schema")
    return [*opendata.urlpatterns, schema]


urlpatterns = [
    path("opendata/", include((_opendata_patterns(), "opendata"))),
    *(pattern for pattern in site.urlpatterns if getattr(pattern, "namespace", None) != "opendata"),
]

"""The DCAT-AP 3 catalogue and each dataset's DCAT description, as Turtle, JSON-LD or RDF/XML."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def catalogue(request: HttpRequest, extension: str) -> HttpResponse:
    raise Http404


def dataset(request: HttpRequest, name: str, extension: str) -> HttpResponse:
    raise Http404

"""The public open-data pages: the list of datasets, each dataset's page, its downloads."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def index(request: HttpRequest) -> HttpResponse:
    raise Http404


def dataset(request: HttpRequest, name: str) -> HttpResponse:
    raise Http404


def download(request: HttpRequest, name: str, extension: str) -> HttpResponse:
    raise Http404

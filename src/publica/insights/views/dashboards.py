"""Placeholder: the staff dashboards."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def overview(request: HttpRequest) -> HttpResponse:
    raise Http404


def performance(request: HttpRequest) -> HttpResponse:
    raise Http404


def workload(request: HttpRequest) -> HttpResponse:
    raise Http404

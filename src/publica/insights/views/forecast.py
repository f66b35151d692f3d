"""Placeholder: the forecast page (built by the forecasts work)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def page(request: HttpRequest) -> HttpResponse:
    raise Http404


def handling_time(request: HttpRequest) -> HttpResponse:
    raise Http404

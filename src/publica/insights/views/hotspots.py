"""Placeholder: the hotspot map (built by the hotspots work)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def page(request: HttpRequest) -> HttpResponse:
    raise Http404

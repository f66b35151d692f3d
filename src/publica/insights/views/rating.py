"""Placeholder: the rating a resident gives when a case closes (built by the ratings work)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def rate(request: HttpRequest, token: str) -> HttpResponse:
    raise Http404

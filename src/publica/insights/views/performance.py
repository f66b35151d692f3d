"""Placeholder: the public performance page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def public(request: HttpRequest) -> HttpResponse:
    raise Http404

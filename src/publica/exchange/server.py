"""The signed register API other agencies call: POST /exchange/v1/query."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def query(request: HttpRequest) -> HttpResponse:
    raise Http404  # built next

"""'Who has used my data': a resident's own access records, in plain language."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def data_tracker(request: HttpRequest) -> HttpResponse:
    raise Http404  # built next

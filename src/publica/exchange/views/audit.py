"""The auditor's view of staff access to personal data, highlighting reads without a case."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def access_audit(request: HttpRequest) -> HttpResponse:
    raise Http404  # built next

"""The CKAN Action API's one endpoint: parse the call, run the action, wrap it in CKAN's
envelope."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def action(request: HttpRequest, action: str) -> HttpResponse:
    raise Http404

"""Consents: asked before a service fetches a resident's data; listed and revoked in the account."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def consents(request: HttpRequest) -> HttpResponse:
    raise Http404  # built next


def revoke(request: HttpRequest, consent_id: str) -> HttpResponse:
    raise Http404  # built next


def ask(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404  # built next

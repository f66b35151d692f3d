"""Reads of organisations, departments and people that other apps share."""

from __future__ import annotations

from publica.accounts.models import Organisation

__all__ = ["organisation_get"]


def organisation_get() -> Organisation | None:
    """The public body running this Publica (one per instance), or None before it is set up."""
    return Organisation.objects.order_by("pk").first()

"""Template context every page needs: the organisation's name and contact details."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from publica.accounts.models import Organisation


def publica(request: HttpRequest) -> dict[str, Any]:
    organisation = Organisation.objects.order_by("pk").first()
    return {"organisation": organisation}

"""Template context every page needs: the organisation's name and contact details."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from publica.accounts.selectors import organisation_get


def publica(request: HttpRequest) -> dict[str, Any]:
    organisation = organisation_get()
    return {"organisation": organisation}

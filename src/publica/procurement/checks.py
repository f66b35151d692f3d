"""System checks: the ocid prefix is one the Open Contracting Partnership could have issued."""

from __future__ import annotations

from typing import Any

from django.core import checks


@checks.register(checks.Tags.compatibility)
def ocid_prefix_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from publica.procurement.services import ocid_prefix

    try:
        ocid_prefix()
    except Exception as exc:  # ImproperlyConfigured, with the rule's words
        return [
            checks.Error(
                str(exc),
                hint="Register a prefix at https://standard.open-contracting.org/ (ocds-xxxxxx).",
                id="procurement.E001",
            )
        ]
    return []

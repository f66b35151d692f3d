"""The text a service sends the applicant when a case enters a state. Pure: no Django."""

from __future__ import annotations

import string
from typing import Any

__all__ = ["render"]


class _Known(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(definition: dict[str, Any], state: str, values: dict[str, str]) -> str:
    """The state's text with placeholders filled in; empty when the service has none."""
    template = definition.get("notifications", {}).get(state, "")
    return string.Formatter().vformat(template, (), _Known(values)) if template else ""

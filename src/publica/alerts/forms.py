"""The alert forms' fields, read as typed, and their errors put beside them.

Plain dictionaries rather than Django forms: the services check every field and name the
one at fault, and these helpers only carry values in and errors out, GOV.UK style (an error
summary in page order, each linking to its input's id, which is the field's name).
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from publica.alerts import selectors
from publica.core.errors import FieldError

__all__ = ["area_arguments", "area_values", "field_errors", "form_context"]


def area_arguments(values: dict[str, Any]) -> dict[str, Any]:
    """The service's area arguments from the form: the ward, or the point, as chosen."""
    if values["area"] == "ward":
        return {"ward": values["ward"]}
    if values["area"] == "point":
        return {
            "latitude": values["latitude"],
            "longitude": values["longitude"],
            "radius_m": values["radius_m"],
        }
    return {}


def field_errors(errors: list[FieldError], rename: dict[str, str]) -> dict[str, str]:
    """The first error of each field, by the name of the form input it belongs to."""
    found: dict[str, str] = {}
    for error in errors:
        found.setdefault(rename.get(error.field, error.field), error.message)
    return found


def form_context(
    values: dict[str, Any], errors: dict[str, str], order: tuple[str, ...]
) -> dict[str, Any]:
    """What the form templates need: values, errors by field, the error summary in page
    order, and the wards (without any, the area is a point, so its error goes there)."""
    wards = list(selectors.ward_list())
    if not wards and "area" in errors:
        errors.setdefault("latitude", errors.pop("area"))
    summary = [{"href": f"#{name}", "message": errors[name]} for name in order if name in errors]
    return {
        "values": values,
        "errors": errors,
        "error_list": summary,
        "form_has_errors": bool(summary),
        "wards": wards,
    }


def area_values(post: QueryDict) -> dict[str, Any]:
    """The area fields as typed (cut short: what is longer is wrong anyway)."""
    area = post.get("area", "")
    return {
        "area": area if area in ("ward", "point") else "",
        "ward": post.get("ward", "").strip()[:60],
        "latitude": post.get("latitude", "").strip()[:40],
        "longitude": post.get("longitude", "").strip()[:40],
        "radius_m": post.get("radius_m", "").strip()[:40],
    }

"""Open311 documents as JSON or XML, and the GeoReport v2 error list, as HTTP responses.

The XML follows the specification's examples: UTF-8, no namespace, a list is its element
repeated under a plural root (`<services><service>…`), lists of words are comma text.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse

from publica.core.errors import FieldError

__all__ = ["CONTENT_TYPES", "error_response", "render", "to_json", "to_xml"]

CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
#: The element each item of a list is written as, by the list's own element.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "service_requests_updates": "request_update",
    "service_request_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render(fmt: str, root: str, payload: Any, *, status: int = 200) -> HttpResponse:
    """`payload` (a list or a mapping) in the format asked for; `root` names the XML root."""
    body = to_xml(root, payload) if fmt == "xml" else to_json(payload)
    return HttpResponse(
        body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["json"])
    )


def error_response(fmt: str, status: int, errors: Iterable[FieldError | str]) -> HttpResponse:
    """GeoReport v2 errors: `[{"code": 400, "description": "…"}]`, one per problem."""
    items = [{"code": status, "description": _describe(error)} for error in errors]
    fmt = fmt if fmt in CONTENT_TYPES else "json"
    return render(fmt, "errors", items, status=status)


def to_json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, allow_nan=False).encode()


def to_xml(root: str, payload: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, payload)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    elif isinstance(value, list | tuple):
        item = ITEMS.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item), child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))


def _describe(error: FieldError | str) -> str:
    if isinstance(error, str):
        return error
    return f"{error.field}: {error.message}" if error.field else error.message

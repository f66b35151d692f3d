"""JSON and XML rendering and the GeoReport v2 error list: no database."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from publica.core.errors import FieldError
from publica.open311 import formats


def test_lists_are_items_under_a_plural_root_without_a_namespace() -> None:
    body = formats.to_xml("services", [{"service_code": "pothole", "metadata": True}])

    root = ET.fromstring(body)
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert root.tag == "services" and "{" not in root.tag
    assert root.find("service/service_code").text == "pothole"  # type: ignore[union-attr]
    assert root.findtext("service/metadata") == "true"


def test_nested_values_follow_the_specification_names() -> None:
    payload = {"attributes": [{"values": [{"key": "a", "name": "A"}]}]}

    root = ET.fromstring(formats.to_xml("service_definition", payload))

    assert root.findtext("attributes/attribute/values/value/key") == "a"


def test_none_is_an_empty_element_and_control_characters_are_dropped() -> None:
    root = ET.fromstring(formats.to_xml("request", {"lat": None, "text": "bell\x07 and tab\t"}))

    assert root.find("lat") is not None and root.findtext("lat") == ""
    assert root.findtext("text") == "bell and tab\t"


def test_errors_in_json_carry_the_http_status_as_code() -> None:
    response = formats.error_response("json", 400, [FieldError("lat", "out of range"), "plain"])

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(response.content) == [
        {"code": 400, "description": "lat: out of range"},
        {"code": 400, "description": "plain"},
    ]


def test_errors_in_xml_are_an_errors_element() -> None:
    response = formats.error_response("xml", 404, ["no service 'x'"])

    root = ET.fromstring(response.content)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"
    assert root.findtext("error/description") == "no service 'x'"

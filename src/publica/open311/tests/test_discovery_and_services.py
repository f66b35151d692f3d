"""Discovery, the service list and service definitions, in JSON and XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from publica.catalogue.models import Service
from publica.open311.tests.conftest import Open311, errors, parsed

pytestmark = pytest.mark.django_db


def test_discovery_lists_the_v2_endpoint_in_both_formats(
    open311: Open311, pothole: Service
) -> None:
    body = parsed(open311.get("discovery.json"))

    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert body["changeset"].endswith("+00:00") or body["changeset"][-6] in "+-"
    assert body["contact"] == "Testshire Council"


def test_discovery_in_xml(open311: Open311, pothole: Service) -> None:
    root = parsed(open311.get("discovery.xml"))

    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/type") == "production"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_list_only_reports(
    open311: Open311, pothole: Service, parking_permit: Service
) -> None:
    body = parsed(open311.get("services.json"))

    assert body == [
        {
            "service_code": "pothole",
            "service_name": "Report a pothole",
            "description": pothole.summary,
            "metadata": True,
            "type": "realtime",
            "keywords": "pothole, road, hole, carriageway, surface, tarmac, manhole",
            "group": "Roads and transport",
        }
    ]


def test_services_in_xml_have_no_namespace(open311: Open311, pothole: Service) -> None:
    response = open311.get("services.xml")

    root = parsed(response)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert root.tag == "services"
    assert all("{" not in element.tag for element in root.iter())
    assert root.findtext("service/service_code") == "pothole"
    assert root.findtext("service/metadata") == "true"
    assert root.findtext("service/keywords").startswith("pothole, road")  # type: ignore[union-attr]


def test_public_reads_may_be_fetched_by_any_web_page(open311: Open311, pothole: Service) -> None:
    assert open311.get("services.json")["Access-Control-Allow-Origin"] == "*"


def test_pothole_definition_has_road_type_size_and_depth(
    open311: Open311, pothole: Service
) -> None:
    body = parsed(open311.get("services/pothole.json"))

    assert body["service_code"] == "pothole"
    attributes = {item["code"]: item for item in body["attributes"]}
    assert list(attributes) == ["road_type", "size", "depth_mm"]
    road_type = attributes["road_type"]
    assert road_type["variable"] is True
    assert road_type["datatype"] == "singlevaluelist"
    assert road_type["required"] is True
    assert road_type["order"] == 1
    assert road_type["description"] == "What kind of road is it on?"
    assert road_type["datatype_description"] is None
    assert {"key": "footway", "name": "A pavement or footpath"} in road_type["values"]
    assert attributes["size"]["datatype"] == "singlevaluelist"
    assert attributes["depth_mm"]["datatype"] == "number"
    assert attributes["depth_mm"]["required"] is False
    assert "values" not in attributes["depth_mm"]


def test_fly_tipping_definition_in_xml(open311: Open311, fly_tipping: Service) -> None:
    root = parsed(open311.get("services/fly-tipping.xml"))

    assert root.tag == "service_definition"
    waste = next(a for a in root.iter("attribute") if a.findtext("code") == "waste_types")
    assert waste.findtext("datatype") == "multivaluelist"
    assert waste.findtext("variable") == "true"
    keys = [value.findtext("key") for value in waste.iter("value")]
    assert keys[:2] == ["bags", "furniture"]
    witnessed = next(a for a in root.iter("attribute") if a.findtext("code") == "witnessed")
    assert [v.findtext("key") for v in witnessed.iter("value")] == ["true", "false"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_is_404(open311: Open311, pothole: Service, fmt: str) -> None:
    response = open311.get(f"services/sinkhole.{fmt}")

    assert response.status_code == 404
    assert errors(response) == ["no service with service_code 'sinkhole'"]


def test_an_application_has_no_open311_definition(
    open311: Open311, parking_permit: Service
) -> None:
    assert open311.get("services/parking-permit.json").status_code == 404


@pytest.mark.parametrize(
    "path", ["discovery.html", "services.csv", "services/pothole.yaml", "requests.rss"]
)
def test_an_unsupported_format_is_404(open311: Open311, pothole: Service, path: str) -> None:
    response = open311.get(path)

    assert response.status_code == 404
    assert "use .json or .xml" in errors(response)[0]


@pytest.mark.parametrize("path", ["", "services", "v3/services.json", "requests/a/b.json"])
def test_anything_else_under_the_prefix_is_a_json_404(open311: Open311, path: str) -> None:
    response = open311.get(path)

    assert response.status_code == 404
    assert errors(response)[0].startswith("no Open311 endpoint")


def test_writing_to_a_read_only_endpoint_is_405_in_the_spec_format(
    open311: Open311, pothole: Service
) -> None:
    response = open311.post("services.xml", {"service_code": "pothole"})

    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert ET.fromstring(response.content).tag == "errors"


def test_a_nul_in_the_path_is_refused(open311: Open311, pothole: Service) -> None:
    response = open311.get("services/pot%00hole.json")

    assert response.status_code == 400
    assert "NUL" in errors(response)[0]

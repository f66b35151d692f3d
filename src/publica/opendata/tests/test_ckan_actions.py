"""The CKAN Action API through Django's test client: both URL prefixes, GET and POST,
CKAN's envelope, complete package dicts, and its error types and status codes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from publica.accounts.models import Organisation
from publica.cases.tests.factories import submit_pothole
from publica.catalogue.models import Service
from publica.opendata.ckan.packages import organization_id
from publica.opendata.models import Dataset
from publica.opendata.services import datasets_publish

pytestmark = pytest.mark.django_db

PREFIXES = ["/api/3/action/", "/api/action/"]
SERVICE_REQUESTS_KEYS = {
    "id",
    "name",
    "title",
    "notes",
    "license_id",
    "license_title",
    "license_url",
    "metadata_created",
    "metadata_modified",
    "state",
    "private",
    "type",
    "owner_org",
    "organization",
    "resources",
    "num_resources",
    "tags",
    "num_tags",
    "extras",
    "groups",
    "author",
    "maintainer",
    "url",
    "version",
    "relationships_as_object",
    "relationships_as_subject",
}


@pytest.fixture
def published(pothole: Service, council: Organisation) -> None:
    place = {"latitude": 52.0312, "longitude": -0.9871, "address": "Somewhere"}
    for _ in range(7):
        submit_pothole(pothole, location=place)
    datasets_publish()


def call(client: Client, action: str, method: str, prefix: str = PREFIXES[0], **params: Any) -> Any:
    if method == "GET":
        encoded = {
            key: json.dumps(value) if isinstance(value, dict | list) else value
            for key, value in params.items()
        }
        return client.get(prefix + action, encoded)
    return client.post(prefix + action, json.dumps(params), content_type="application/json")


def result(response: Any) -> Any:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    return body["result"]


def error(response: Any, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False
    assert body["error"]["__type"] == kind
    assert body["help"].startswith("http://testserver/api/")
    assert response["Access-Control-Allow-Origin"] == "*"
    return body["error"]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_package_list_answers_on_both_prefixes_by_get_and_post(
    client: Client, published: None, prefix: str, method: str
) -> None:
    response = call(client, "package_list", method, prefix)
    body = response.json()
    assert set(body) == {"help", "success", "result"}
    assert body["help"] == f"http://testserver{prefix}help_show?name=package_list"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"].startswith("application/json")
    names = result(response)
    assert names == sorted(names)
    assert {"service-requests", "daily-volumes", "sla-performance"} <= set(names)
    assert len(names) == Dataset.objects.count()


def test_a_post_needs_no_csrf_token(published: None) -> None:
    client = Client(enforce_csrf_checks=True)
    assert result(call(client, "package_list", "POST")) != []


def test_a_form_encoded_post_is_read_like_ckan_reads_it(client: Client, published: None) -> None:
    fields = client.post("/api/3/action/package_show", {"id": "service-requests"})
    assert result(fields)["name"] == "service-requests"
    json_as_key = client.post("/api/3/action/package_show", {'{"id": "daily-volumes"}': ""})
    assert result(json_as_key)["name"] == "daily-volumes"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_package_show_gives_a_complete_ckan_package(
    client: Client, published: None, method: str
) -> None:
    record = Dataset.objects.get(name="service-requests")
    package = result(call(client, "package_show", method, id="service-requests"))
    assert set(package) >= SERVICE_REQUESTS_KEYS
    assert package["id"] == str(record.id)
    assert package["title"] == "Service requests"
    assert package["license_id"] == "cc-by"
    assert package["url"] == "http://testserver/opendata/datasets/service-requests/"
    assert package["owner_org"] == package["organization"]["id"]
    assert package["organization"]["name"] == record.organisation.slug
    assert package["organization"]["id"] == organization_id(record.organisation)
    tag = next(tag for tag in package["tags"] if tag["name"] == "311")
    assert tag["display_name"] == "311" and tag["state"] == "active" and tag["id"]
    assert tag["vocabulary_id"] is None
    assert package["num_tags"] == len(package["tags"])
    extras = {extra["key"]: extra["value"] for extra in package["extras"]}
    assert extras["frequency"] == "daily" and extras["theme"] == "GOVE"
    formats = [resource["format"] for resource in package["resources"]]
    assert formats == ["CSV", "JSON", "Parquet"]
    assert package["num_resources"] == 3
    csv = package["resources"][0]
    assert csv["datastore_active"] is True and csv["package_id"] == package["id"]
    assert csv["url"].startswith("http://testserver/opendata/datasets/service-requests/")
    by_id = result(call(client, "package_show", method, id=package["id"]))
    assert by_id == package


def test_an_unknown_dataset_is_not_found(client: Client, published: None) -> None:
    found = error(call(client, "package_show", "GET", id="no-such-thing"), 404, "Not Found Error")
    assert found["message"] == "Not found: Dataset not found"


def test_a_missing_id_is_a_validation_error_naming_the_field(
    client: Client, published: None
) -> None:
    found = error(call(client, "package_show", "POST"), 409, "Validation Error")
    assert found["id"] == ["Missing value"]


def test_resource_show_finds_each_download(client: Client, published: None) -> None:
    package = result(call(client, "package_show", "GET", id="daily-volumes"))
    for resource in package["resources"]:
        assert result(call(client, "resource_show", "GET", id=resource["id"])) == resource
    error(call(client, "resource_show", "GET", id="nope"), 404, "Not Found Error")


def test_organization_list_and_show_describe_the_publisher(client: Client, published: None) -> None:
    organisation = Dataset.objects.first().organisation  # type: ignore[union-attr]
    assert result(call(client, "organization_list", "GET")) == [organisation.slug]
    listed = result(call(client, "organization_list", "POST", all_fields=True))
    assert listed[0]["package_count"] == Dataset.objects.count()
    shown = result(call(client, "organization_show", "GET", id=organisation.slug))
    assert shown["id"] == organization_id(organisation)
    assert shown["title"] == organisation.name and shown["is_organization"] is True
    assert "packages" not in shown
    with_datasets = result(
        call(client, "organization_show", "POST", id=shown["id"], include_datasets=True)
    )
    assert len(with_datasets["packages"]) == Dataset.objects.count()
    error(call(client, "organization_show", "GET", id="elsewhere"), 404, "Not Found Error")
    error(call(client, "group_show", "GET", id="anything"), 404, "Not Found Error")
    assert result(call(client, "group_list", "GET")) == []


def test_status_show_names_the_ckan_version_it_speaks(client: Client, published: None) -> None:
    status = result(call(client, "status_show", "GET"))
    assert status["ckan_version"].startswith("2.10")
    assert status["site_url"] == "http://testserver/"
    assert "datastore" in status["extensions"]


def test_help_show_describes_an_action(client: Client) -> None:
    assert "Solr" in result(call(client, "help_show", "GET", name="package_search"))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_package_search_finds_by_words_filters_and_pages(
    client: Client, published: None, method: str
) -> None:
    everything = result(call(client, "package_search", method, rows=1000))
    assert everything["count"] == Dataset.objects.count()
    assert everything["sort"] == "score desc, metadata_modified desc"
    found = result(call(client, "package_search", method, q="service requests"))
    assert found["results"][0]["name"] == "service-requests"
    narrowed = result(
        call(client, "package_search", method, fq="tags:SLA OR name:daily-volumes", sort="name asc")
    )
    assert [package["name"] for package in narrowed["results"]] == [
        "daily-volumes",
        "sla-performance",
    ]
    first = result(call(client, "package_search", method, sort="name asc", rows=2, start=0))
    second = result(call(client, "package_search", method, sort="name asc", rows=2, start=2))
    names = [package["name"] for package in first["results"] + second["results"]]
    assert names == sorted(names) and len(set(names)) == 4
    assert first["count"] == everything["count"]


def test_package_search_facets_count_the_matching_datasets(client: Client, published: None) -> None:
    found = result(
        call(
            client,
            "package_search",
            "GET",
            fq="theme:GOVE",
            rows=0,
            **{"facet.field": ["res_format", "organization"], "facet.limit": 1},
        )
    )
    assert found["results"] == []
    assert found["facets"]["res_format"] == {"CSV": found["count"]}
    items = found["search_facets"]["organization"]["items"]
    assert items[0]["count"] == found["count"]
    assert items[0]["display_name"] == Dataset.objects.first().organisation.name  # type: ignore[union-attr]


def test_package_search_fl_returns_only_the_fields_asked_for(
    client: Client, published: None
) -> None:
    found = result(call(client, "package_search", "GET", fl="id,name", rows=2))
    assert all(set(package) == {"id", "name"} for package in found["results"])


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"q": "colour:red"}, "unknown field 'colour'"),
        ({"fq": "name:x); DROP TABLE"}, "unexpected ')'"),
        ({"q": "' OR 1=1 --"}, "ends where a term was expected"),
        ({"sort": "name sideways"}, 'Invalid "sort" parameter'),
        ({"sort": "password asc"}, "cannot sort by 'password'"),
        ({"facet.field": ["secret"]}, "unknown field 'secret'"),
    ],
)
def test_bad_searches_are_search_query_errors(
    client: Client, published: None, params: dict[str, Any], problem: str
) -> None:
    found = error(call(client, "package_search", "GET", **params), 400, "Search Query Error")
    assert found["message"].startswith("Search Query is invalid: ")
    assert problem in found["message"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"rows": "lots"}, "rows", "Invalid integer"),
        ({"rows": -1}, "rows", "Must be a natural number"),
        ({"start": 1.5}, "start", "Invalid integer"),
        ({"rows": "9" * 40}, "rows", "Invalid integer"),
        ({"q": ["a", "b"]}, "q", "Must be a string"),
        ({"fq": "x\x00"}, "fq", "Must not contain NUL characters"),
    ],
)
def test_bad_parameters_are_validation_errors_naming_them(
    client: Client, published: None, params: dict[str, Any], field: str, message: str
) -> None:
    found = error(call(client, "package_search", "POST", **params), 409, "Validation Error")
    assert found[field] == [message]


def test_a_huge_rows_value_is_refused_naming_the_maximum(client: Client, published: None) -> None:
    found = error(call(client, "package_search", "GET", rows=10**12), 409, "Validation Error")
    assert found["rows"] == ["Must be less than or equal to 1000"]


def test_an_unknown_action_is_a_bad_request(client: Client) -> None:
    found = error(call(client, "package_frobnicate", "GET"), 400, "Bad Request")
    assert found["message"] == "Bad request - Action name not known: package_frobnicate"


def test_writes_are_refused_as_not_authorised(client: Client) -> None:
    found = error(call(client, "package_create", "POST", name="mine"), 403, "Authorization Error")
    assert found["message"].startswith("Access denied")


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe", b'"text"'])
def test_a_body_that_is_not_a_json_object_is_a_bad_request(client: Client, body: bytes) -> None:
    response = client.post("/api/3/action/package_list", body, content_type="application/json")
    assert error(response, 400, "Bad Request")["message"].startswith("Bad request - JSON Error")


def test_other_methods_get_an_envelope_and_options_allows_any_origin(client: Client) -> None:
    error(client.put("/api/3/action/package_list"), 405, "Bad Request")
    preflight = client.options("/api/3/action/package_search")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight["Access-Control-Allow-Methods"]

"""datastore_search over a dataset's rows: filters, q, fields, sort, paging, totals, formats,
and the errors for anything not in the table."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from publica.accounts.models import Organisation
from publica.cases.tests.factories import submit_pothole
from publica.catalogue.models import Service
from publica.opendata.models import Dataset, ServiceRequestRow
from publica.opendata.selectors import published_get
from publica.opendata.services import datasets_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def resource_id(pothole: Service, council: Organisation) -> str:
    place = {"latitude": 52.0312, "longitude": -0.9871, "address": "Somewhere"}
    for _ in range(6):
        submit_pothole(pothole, location=place)
    datasets_publish()
    ServiceRequestRow.objects.filter(
        pk__in=list(ServiceRequestRow.objects.values_list("pk", flat=True)[:2])
    ).update(status="closed", outcome="fixed")
    return published_get("service-requests").resource("csv").id


def search(client: Client, method: str = "POST", **params: Any) -> Any:
    if method == "GET":
        encoded = {
            key: json.dumps(value) if isinstance(value, dict | list) else value
            for key, value in params.items()
        }
        return client.get("/api/3/action/datastore_search", encoded)
    return client.post(
        "/api/action/datastore_search", json.dumps(params), content_type="application/json"
    )


def result(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    return response.json()["result"]


def validation_error(response: Any) -> dict[str, Any]:
    assert response.status_code == 409, response.content
    found = response.json()["error"]
    assert found["__type"] == "Validation Error"
    return found


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_search_returns_rows_with_typed_fields_starting_with_id(
    client: Client, resource_id: str, method: str
) -> None:
    found = result(search(client, method, resource_id=resource_id))
    assert found["resource_id"] == resource_id
    assert found["fields"][0] == {"id": "_id", "type": "int"}
    assert {"id": "opened_at", "type": "timestamp"}.items() <= found["fields"][7].items()
    assert found["fields"][1]["info"]["notes"].startswith("The service's code")
    assert len(found["records"]) == found["total"] == 6
    assert found["total_was_estimated"] is False
    assert found["limit"] == 100 and found["records_format"] == "objects"
    assert found["records"][0]["service_code"] == "pothole"
    assert set(found["_links"]) >= {"start", "next"}


def test_the_dataset_name_is_an_alias_for_its_datastore_resource(
    client: Client, resource_id: str
) -> None:
    assert result(search(client, resource_id="service-requests"))["resource_id"] == resource_id


def test_filters_take_a_value_or_a_list(client: Client, resource_id: str) -> None:
    closed = result(search(client, resource_id=resource_id, filters={"status": "closed"}))
    assert closed["total"] == 2
    assert {record["outcome"] for record in closed["records"]} == {"fixed"}
    both = result(
        search(client, "GET", resource_id=resource_id, filters={"status": ["open", "closed"]})
    )
    assert both["total"] == 6
    ids = result(
        search(client, resource_id=resource_id, filters={"_id": closed["records"][0]["_id"]})
    )
    assert ids["total"] == 1


def test_q_searches_text_columns_or_one_field(client: Client, resource_id: str) -> None:
    assert result(search(client, resource_id=resource_id, q="FIXED"))["total"] == 2
    assert result(search(client, resource_id=resource_id, q="pothole fixed"))["total"] == 2
    assert result(search(client, resource_id=resource_id, q={"outcome": "fix"}))["total"] == 2
    assert result(search(client, resource_id=resource_id, q={"status": "fixed"}))["total"] == 0
    assert result(search(client, resource_id=resource_id, q="100%_"))["total"] == 0


def test_fields_sort_limit_and_offset_page_through_the_rows(
    client: Client, resource_id: str
) -> None:
    seen = []
    for offset in (0, 2, 4):
        page = result(
            search(
                client,
                resource_id=resource_id,
                fields="_id, status",
                sort="status asc, _id desc",
                limit=2,
                offset=offset,
            )
        )
        assert [field["id"] for field in page["fields"]] == ["_id", "status"]
        assert all(set(record) == {"_id", "status"} for record in page["records"])
        seen.extend(page["records"])
    assert [record["status"] for record in seen] == ["closed"] * 2 + ["open"] * 4
    assert len({record["_id"] for record in seen}) == 6
    open_ids = [record["_id"] for record in seen[2:]]
    assert open_ids == sorted(open_ids, reverse=True)


def test_records_can_be_lists_or_csv(client: Client, resource_id: str) -> None:
    lists = result(
        search(client, resource_id=resource_id, fields=["status"], records_format="lists", limit=1)
    )
    assert lists["records"] == [["open"]] or lists["records"] == [["closed"]]
    text = result(
        search(
            client,
            resource_id=resource_id,
            fields=["_id", "status"],
            records_format="csv",
            sort="_id",
        )
    )
    assert text["records"].splitlines()[0].endswith(",closed") or "," in text["records"]
    assert len(text["records"].splitlines()) == 6


def test_distinct_returns_each_combination_once(client: Client, resource_id: str) -> None:
    found = result(search(client, resource_id=resource_id, fields="status", distinct=True))
    assert sorted(record["status"] for record in found["records"]) == ["closed", "open"]
    assert found["total"] == 2


def test_an_unfiltered_snapshot_total_is_its_row_count_without_counting(
    client: Client, resource_id: str
) -> None:
    Dataset.objects.filter(name="service-requests").update(row_count=6)
    with CaptureQueriesContext(connection) as queries:
        found = result(search(client, resource_id=resource_id, limit=2, offset=2))
    assert found["total"] == 6 and found["total_was_estimated"] is False
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)


def test_a_short_page_gives_the_total_without_counting(client: Client, resource_id: str) -> None:
    with CaptureQueriesContext(connection) as queries:
        found = result(search(client, resource_id=resource_id, filters={"status": "closed"}))
    assert found["total"] == 2
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)


def test_a_filtered_full_page_counts_the_matching_rows(client: Client, resource_id: str) -> None:
    found = result(search(client, resource_id=resource_id, filters={"status": "open"}, limit=1))
    assert found["total"] == 4 and len(found["records"]) == 1


def test_include_total_false_leaves_the_total_out(client: Client, resource_id: str) -> None:
    found = result(search(client, "GET", resource_id=resource_id, include_total="false"))
    assert "total" not in found and found["include_total"] is False


def test_a_huge_limit_is_refused_naming_the_maximum(client: Client, resource_id: str) -> None:
    found = validation_error(search(client, resource_id=resource_id, limit=10**9))
    assert found["limit"] == ["Must be less than or equal to 32000"]
    assert result(search(client, resource_id=resource_id, limit=32000))["limit"] == 32000


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"filters": {"password": "x"}}, "filters", 'field "password" not in table'),
        ({"sort": "secret desc"}, "sort", 'field "secret" not in table'),
        ({"fields": "status,ssn"}, "fields", 'field "ssn" not in table'),
        ({"q": {"nope": "x"}}, "q", 'field "nope" not in table'),
        ({"filters": {"_id": "1; DROP TABLE x"}}, "filters", 'invalid value for field "_id"'),
        ({"filters": {"_id": 10**30}}, "filters", 'invalid value for field "_id"'),
        ({"filters": {"opened_at": "yesterday"}}, "filters", 'invalid value for field "opened_at"'),
        (
            {"filters": {"days_to_close": "NaN"}},
            "filters",
            'invalid value for field "days_to_close"',
        ),
        ({"filters": {"status": {"$ne": 1}}}, "filters", 'invalid value for field "status"'),
        ({"filters": "{not json"}, "filters", "Cannot parse JSON"),
        ({"filters": {"status": "a\x00b"}}, "filters", "Must not contain NUL characters"),
        ({"limit": "ten"}, "limit", "Invalid integer"),
        ({"offset": -5}, "offset", "Must be a natural number"),
        ({"records_format": "xml"}, "records_format", "Value must be one of"),
        ({"sort": "status sideways"}, "sort", 'sort direction "sideways" is not'),
    ],
)
def test_bad_parameters_are_validation_errors_naming_the_field(
    client: Client, resource_id: str, params: dict[str, Any], field: str, message: str
) -> None:
    found = validation_error(search(client, resource_id=resource_id, **params))
    assert found[field][0].startswith(message)


def test_sql_looking_text_in_q_is_only_text(client: Client, resource_id: str) -> None:
    found = result(search(client, resource_id=resource_id, q="' OR 1=1 --"))
    assert found["total"] == 0
    assert ServiceRequestRow.objects.count() == 6


def test_an_unknown_or_non_datastore_resource_is_not_found(
    client: Client, resource_id: str
) -> None:
    json_download = published_get("service-requests").resource("json").id
    for wanted in ("no-such-resource", json_download):
        response = search(client, resource_id=wanted)
        assert response.status_code == 404
        assert (
            response.json()["error"]["message"] == f'Not found: Resource "{wanted}" was not found.'
        )
    missing = validation_error(search(client))
    assert missing["resource_id"] == ["Missing value"]


def test_q_on_a_snapshot_matches_column_values_without_like_and_follows_a_rebuild(
    client: Client, resource_id: str, pothole: Service
) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert result(search(client, resource_id=resource_id, q="Fixed"))["total"] == 2
    searched = [query["sql"] for query in queries if "opendata_servicerequestrow" in query["sql"]]
    assert searched and not any("LIKE" in sql.upper() for sql in searched[-2:])
    submit_pothole(pothole)
    datasets_publish()  # a new build: its values are read afresh
    assert result(search(client, resource_id=resource_id, q="pothole"))["total"] == 7
    assert result(search(client, resource_id=resource_id, q="fixed"))["total"] == 0

"""The public dataset pages and their downloads."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
import pytest
from django.test import Client

from publica.accounts.models import Organisation
from publica.cases.tests.factories import submit_pothole
from publica.catalogue.models import Service
from publica.opendata.services import datasets_publish

pytestmark = pytest.mark.django_db
PLACE = {"latitude": 52.0312, "longitude": -0.9871, "address": "Somewhere"}


@pytest.fixture
def published(pothole: Service, council: Organisation) -> None:
    for _ in range(6):
        submit_pothole(pothole, location=PLACE)
    datasets_publish()


def _body(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_the_index_lists_every_dataset(client: Client, published: None) -> None:
    page = client.get("/opendata/")
    assert page.status_code == 200
    for title in ("Service requests", "Cases opened and closed per day", "Sensor readings"):
        assert title.encode() in page.content


def test_a_dataset_page_shows_licence_schema_preview_and_chart(
    client: Client, published: None
) -> None:
    page = client.get("/opendata/datasets/service-requests/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Creative Commons Attribution 4.0" in html
    assert "<code>days_to_close</code>" in html
    assert "The first 6 rows" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="publica-chart"' in html
    assert "Somewhere" not in html


def test_an_unknown_dataset_is_not_found(client: Client, published: None) -> None:
    assert client.get("/opendata/datasets/no-such-thing/").status_code == 404
    assert client.get("/opendata/datasets/service-requests/download.xlsx").status_code == 404


def test_csv_json_and_parquet_downloads_hold_the_same_rows(client: Client, published: None) -> None:
    base = "/opendata/datasets/service-requests/download"
    rows = list(csv.DictReader(io.StringIO(_body(client.get(f"{base}.csv")).decode())))
    records = json.loads(_body(client.get(f"{base}.json")))
    parquet = client.get(f"{base}.parquet")
    assert parquet["Content-Type"] == "application/vnd.apache.parquet"
    table = pq.read_table(io.BytesIO(b"".join(parquet.streaming_content))).to_pylist()
    assert len(rows) == len(records) == len(table) == 6
    assert [r["_id"] for r in rows] == [str(r["_id"]) for r in records]
    assert rows[0]["service_code"] == records[0]["service_code"] == table[0]["service_code"]
    assert rows[0]["closed_at"] == "" and records[0]["closed_at"] is None
    assert records[0]["opened_at"].endswith(":00:00Z")


def test_an_empty_dataset_downloads_as_a_header_and_an_empty_array(
    client: Client, council: Organisation, pothole: Service
) -> None:
    datasets_publish()
    base = "/opendata/datasets/service-requests/download"
    assert _body(client.get(f"{base}.csv")).decode().startswith("_id,service_code,")
    assert json.loads(_body(client.get(f"{base}.json"))) == []
    empty = client.get(f"{base}.parquet")
    assert pq.read_table(io.BytesIO(b"".join(empty.streaming_content))).num_rows == 0


def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted_in_csv() -> None:
    from publica.opendata.downloads import _cell

    assert _cell('=HYPERLINK("http://x")', True) == '\'=HYPERLINK("http://x")'
    assert _cell("-5 potholes", True) == "'-5 potholes"
    assert _cell(-5, False) == -5
    assert _cell("Potholes", True) == "Potholes"
    assert _cell(None, True) == ""

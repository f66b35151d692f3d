"""Real CKAN clients against a running server: the ckanapi Python API and CLI, unchanged,
and a harvester paging package_search the way ckanext-harvest's CKAN harvester does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from ckanapi import NotFound, RemoteCKAN, SearchQueryError, ValidationError

from publica.accounts.models import Organisation
from publica.cases.tests.factories import submit_pothole
from publica.catalogue.models import Service
from publica.opendata.models import Dataset
from publica.opendata.selectors import published_get
from publica.opendata.services import datasets_publish

BIN = Path(sys.executable).parent


@pytest.fixture
def published(transactional_db: None, pothole: Service, council: Organisation) -> None:
    place = {"latitude": 52.0312, "longitude": -0.9871, "address": "Somewhere"}
    for _ in range(6):
        submit_pothole(pothole, location=place)
    datasets_publish()


@pytest.mark.parametrize("get_only", [False, True])
def test_the_ckanapi_python_client_reads_packages_and_rows(
    live_server: Any, published: None, get_only: bool
) -> None:
    ckan = RemoteCKAN(live_server.url, get_only=get_only)
    found = ckan.action.package_search(q="service requests", rows=5, sort="score desc")
    assert found["results"][0]["name"] == "service-requests"
    package = ckan.action.package_show(id="service-requests")
    assert package["resources"][0]["datastore_active"] is True
    filters: Any = {"service_code": "pothole"}
    if get_only:
        # requests would send a dict's keys alone; GET callers of CKAN send JSON text.
        filters = json.dumps(filters)
    rows = ckan.action.datastore_search(
        resource_id=package["resources"][0]["id"],
        filters=filters,
        limit=4,
        sort="_id desc",
    )
    assert rows["total"] == 6 and len(rows["records"]) == 4
    assert rows["records"][0]["_id"] > rows["records"][-1]["_id"]
    assert ckan.action.organization_list() == [package["organization"]["name"]]


def test_the_ckanapi_client_raises_its_own_errors(live_server: Any, published: None) -> None:
    ckan = RemoteCKAN(live_server.url)
    with pytest.raises(NotFound):
        ckan.action.package_show(id="no-such-dataset")
    with pytest.raises(NotFound):
        ckan.action.datastore_search(resource_id="no-such-resource")
    with pytest.raises(ValidationError) as invalid:
        ckan.action.package_search(rows="lots")
    assert invalid.value.error_dict["rows"] == ["Invalid integer"]
    with pytest.raises(ValidationError) as unknown_field:
        ckan.action.datastore_search(resource_id="service-requests", filters={"secret": 1})
    assert unknown_field.value.error_dict["filters"] == ['field "secret" not in table']
    with pytest.raises(SearchQueryError):
        ckan.action.package_search(fq="name:x); DROP TABLE")


def test_ckanapi_dump_datasets_all_writes_every_dataset(
    live_server: Any, published: None, tmp_path: Path
) -> None:
    output = tmp_path / "datasets.jsonl"
    # The dump's workers are new `ckanapi` processes found on PATH.
    environment = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [str(BIN / "ckanapi"), "dump", "datasets", "--all", "-r", live_server.url]
    completed = subprocess.run(
        [*command, "-O", str(output), "-p", "2"],
        env=environment,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode()
    dumped = [json.loads(line) for line in output.read_text().splitlines()]
    assert sorted(package["name"] for package in dumped) == sorted(
        Dataset.objects.values_list("name", flat=True)
    )
    assert all(package["resources"] for package in dumped)


def test_a_harvester_pages_by_id_with_a_modified_since_filter(
    live_server: Any, published: None
) -> None:
    search = f"{live_server.url}/api/3/action/package_search"
    organisation = published_get("service-requests").dataset.organisation
    params = {
        "rows": "2",
        "start": "0",
        "sort": "id asc",
        "fq": f"organization:elsewhere OR organization:{organisation.slug} "
        "metadata_modified:[2000-01-01T00:00:00.000001Z TO *]",
    }
    harvested: list[dict[str, Any]] = []
    previous = None
    while True:
        response = requests.get(search, params=params, timeout=30)
        assert response.status_code == 200
        assert response.text != previous, "the paging does not move on"
        previous = response.text
        page = response.json()["result"]["results"]
        if not page:
            break
        harvested.extend(page)
        params["start"] = str(int(params["start"]) + int(params["rows"]))
    ids = [package["id"] for package in harvested]
    assert ids == sorted(ids) and len(set(ids)) == Dataset.objects.count()
    shown = requests.get(
        f"{live_server.url}/api/3/action/organization_show",
        params={"id": harvested[0]["organization"]["name"]},
        timeout=30,
    ).json()["result"]
    assert shown["id"] == harvested[0]["owner_org"]
    future = requests.get(
        search, params={"fq": "metadata_modified:[2999-01-01T00:00:00Z TO *]"}, timeout=30
    ).json()["result"]
    assert future["count"] == 0 and future["results"] == []

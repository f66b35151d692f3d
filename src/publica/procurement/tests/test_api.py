"""The OCDS downloads: package shapes, pagination, `since`, 404s as JSON, schema validity
checked offline with libcoveocds, and the public pages."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest

from publica.accounts.tests.factories import DepartmentFactory
from publica.core import clock
from publica.procurement import demo
from publica.procurement.models import ContractingProcess, Release
from publica.procurement.tests.cove import assert_valid, cove, problems
from publica.procurement.tests.factories import open_tender, signed

pytestmark = pytest.mark.django_db
SITE = "http://127.0.0.1:8000"


@pytest.fixture
def millbrook(buyer):  # type: ignore[no-untyped-def]
    """The demo's processes, in departments of the test council."""
    for slug in ("parks", "waste", "building-control"):
        DepartmentFactory(slug=slug, name=slug.replace("-", " ").title(),
                          organisation=buyer.organisation)  # fmt: skip
    assert demo.seed().startswith("Demo procurement loaded: 6")
    return list(ContractingProcess.objects.order_by("pk"))


# Package shapes


def test_the_release_package_says_who_published_it_and_under_which_licence(
    client, buyer, supervisor
):
    open_tender(buyer, supervisor)
    response = client.get("/opendata/ocds/releases.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    package = response.json()
    assert package["version"] == "1.1"
    assert package["uri"] == f"{SITE}/opendata/ocds/releases.json"
    assert package["publisher"] == {"name": "Testshire Council"}
    assert package["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert package["publicationPolicy"] == f"{SITE}/opendata/ocds/#publication-policy"
    assert package["publishedDate"].endswith("Z")
    assert [r["tag"] for r in package["releases"]] == [["tender"]]
    assert "links" not in package


def test_releases_come_oldest_first_a_page_at_a_time(client, millbrook):
    expected = list(Release.objects.order_by("date", "pk").values_list("release_id", flat=True))
    assert len(expected) > 5
    seen, url, pages = [], "/opendata/ocds/releases.json?limit=4", 0
    while url:
        package = client.get(url.removeprefix(SITE)).json()
        seen += [release["id"] for release in package["releases"]]
        url = package.get("links", {}).get("next", "")
        pages += 1
    assert seen == expected and pages == -(-len(expected) // 4)
    dates = [r.date for r in Release.objects.order_by("date", "pk")]
    assert dates == sorted(dates)


def test_since_keeps_only_releases_published_from_then(client, millbrook):
    since = clock.now() - dt.timedelta(days=30)
    query = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    package = client.get("/opendata/ocds/releases.json", {"since": query}).json()
    expected = Release.objects.filter(date__gte=since.replace(microsecond=0))
    assert {r["id"] for r in package["releases"]} == {r.release_id for r in expected}
    assert 0 < len(package["releases"]) < Release.objects.count()


def test_a_bad_since_or_limit_is_a_json_error_naming_the_parameter(client, db):
    for query, name in (("since=yesterday", "since"), ("since=2026-01-01", "since"),
                        ("limit=0", "limit"), ("limit=many", "limit")):  # fmt: skip
        response = client.get(f"/opendata/ocds/releases.json?{query}")
        assert response.status_code == 400
        assert response.json()["detail"].startswith(f"{name}:")


def test_one_processs_releases_and_record(client, buyer, supervisor):
    contract = signed(buyer, supervisor)
    ocid = contract.process.ocid
    releases = client.get(f"/opendata/ocds/releases/{ocid}.json").json()["releases"]
    assert [r["tag"] for r in releases] == [["tender"], ["award"], ["contract"]]
    package = client.get(f"/opendata/ocds/records/{ocid}.json").json()
    assert package["packages"] == [f"{SITE}/opendata/ocds/releases/{ocid}.json"]
    (record,) = package["records"]
    assert record["ocid"] == ocid and record["releases"] == releases
    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"] and compiled["id"] == f"{ocid}-compiled"
    latest = releases[-1]
    assert {**compiled, "id": latest["id"], "tag": latest["tag"]} == latest


def test_the_record_package_links_each_processs_releases(client, millbrook):
    package = client.get("/opendata/ocds/records.json").json()
    assert [r["ocid"] for r in package["records"]] == [p.ocid for p in millbrook]
    first = package["records"][0]
    assert first["releases"] == [{
        "url": f"{SITE}/opendata/ocds/releases/{first['ocid']}.json",
        "date": first["compiledRelease"]["date"], "tag": ["planning"],
    }]  # fmt: skip
    paged = client.get("/opendata/ocds/records.json?limit=4").json()
    assert len(paged["records"]) == 4
    rest = client.get(paged["links"]["next"].removeprefix(SITE)).json()
    assert [r["ocid"] for r in rest["records"]] == [p.ocid for p in millbrook[4:]]


def test_an_unknown_ocid_is_a_json_404(client, db):
    for url in ("/opendata/ocds/releases/ocds-pub001-999999.json",
                "/opendata/ocds/records/ocds-pub001-999999.json"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert "ocds-pub001-999999" in response.json()["detail"]


# Validity against the OCDS 1.1 schema


def test_every_package_served_is_valid_ocds(client, millbrook, tmp_path: Path):
    for number, url in enumerate(
        ["/opendata/ocds/releases.json", "/opendata/ocds/records.json",
         *(f"/opendata/ocds/releases/{p.ocid}.json" for p in millbrook),
         *(f"/opendata/ocds/records/{p.ocid}.json" for p in millbrook)]
    ):  # fmt: skip
        directory = tmp_path / str(number)
        directory.mkdir()
        results = assert_valid(client.get(url).json(), directory)
        assert results["version_used"] == "1.1"


def test_a_paginated_package_is_valid_too(client, millbrook, tmp_path: Path):
    package = client.get("/opendata/ocds/releases.json?limit=2").json()
    assert "next" in package["links"]
    assert_valid(package, tmp_path)


def test_the_check_reports_a_broken_package(client, buyer, supervisor, tmp_path: Path):
    signed(buyer, supervisor)
    package = copy.deepcopy(client.get("/opendata/ocds/releases.json").json())
    del package["releases"][0]["ocid"]
    package["releases"][1]["tender"]["value"]["amount"] = "lots"
    package["releases"][2]["contracts"][0]["status"] = "signed-off"
    found = problems(cove(package, tmp_path))
    text = str(found)
    assert "ocid" in text and "amount" in text and "signed-off" in text, found


# Pages


def test_the_public_page_lists_tenders_and_contracts_with_their_data(client, millbrook):
    page = client.get("/opendata/ocds/").content.decode()
    assert "Supply of winter de-icing salt" in page and "Northvale Minerals Ltd" in page
    assert "Contract: Ended (terminated early)" in page
    assert "GBP 405,000.00" in page
    assert f"/opendata/ocds/records/{millbrook[0].ocid}.json" in page
    assert 'id="publication-policy"' in page and "ocds-pub001" in page


def test_a_process_page_shows_its_award_contract_and_releases(client, millbrook):
    terminated = next(p for p in millbrook if p.contracts.filter(ending="terminated-early"))
    page = client.get(f"/opendata/ocds/{terminated.ocid}/").content.decode()
    assert "Depot roof refurbishment" in page and "Summit Roofing Contractors Ltd" in page
    assert "The contractor ceased trading" in page and "contractTermination" in page
    assert terminated.ledger_key in page
    assert client.get("/opendata/ocds/ocds-pub001-424242/").status_code == 404

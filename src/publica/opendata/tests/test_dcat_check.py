"""The DCAT-AP 3.0.1 SHACL check: the served catalogue conforms, and a broken graph does not."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.test import Client
from rdflib import RDF, Graph, Literal, URIRef

from publica.accounts.models import Organisation
from publica.opendata import dcat, dcat_check, dcat_views
from publica.opendata.dcat import DCAT, DCT
from publica.opendata.models import ServiceRequestRow
from publica.opendata.services import datasets_publish
from publica.opendata.tests.test_dcat import a_catalogue, a_dataset

CSV = URIRef("https://data.millbrook.example/opendata/datasets/service-requests/#download-csv")


@pytest.fixture
def shapes_dir() -> Path:
    found = dcat_check.DEFAULT_SHAPES_DIR
    if not found.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the DCAT-AP 3.0.1 shapes are not at {found}")
        pytest.skip(f"the DCAT-AP 3.0.1 shapes are not at {found} (CI is not set)")
    return found


@pytest.fixture
def published(council: Organisation) -> None:
    council.contact_email = "opendata@millbrook.example"
    council.save()
    datasets_publish()
    # Rows after publishing (a rebuild would replace them), so coverage has data to find.
    for hour, (latitude, longitude) in enumerate([(52.03, -0.98), (52.05, -0.95)]):
        ServiceRequestRow.objects.create(
            service_code="pothole",
            service_name="Report a pothole",
            department="Highways",
            status="open",
            channel="portal",
            opened_at=dt.datetime(2025, 3, 1, 9 + hour, tzinfo=dt.UTC),
            area=f"{hour}:0",
            area_latitude=latitude,
            area_longitude=longitude,
        )


def served_catalogue(client: Client) -> Graph:
    response = client.get("/opendata/catalog.ttl")
    assert response.status_code == 200
    return Graph().parse(data=response.content, format="turtle")


def test_catalogue_served_for_published_datasets_conforms_to_the_mandatory_shapes(
    published: None, client: Client, shapes_dir: Path
) -> None:
    result = dcat_check.check(served_catalogue(client), shapes_dir)

    assert result.conforms, f"{result.summary()}\n\n{result.report}"
    assert not result.violations


def test_each_served_dataset_description_conforms(
    published: None, client: Client, shapes_dir: Path
) -> None:
    for name in ("service-requests", "sensor-readings", "spending"):
        response = client.get(f"/opendata/datasets/{name}/dcat.ttl")
        graph = Graph().parse(data=response.content, format="turtle")
        result = dcat_check.check(graph, shapes_dir)
        assert result.conforms, f"{name}:\n{result.summary()}\n\n{result.report}"


def test_recommended_shapes_flag_only_coverage_the_data_cannot_give(
    published: None, client: Client, shapes_dir: Path
) -> None:
    result = dcat_check.check(served_catalogue(client), shapes_dir)
    print(result.summary())

    flagged = {(item.subject_class, item.path) for item in result.advice}
    assert flagged <= {("Dataset", "dct:spatial"), ("Dataset", "dct:temporal")}
    # The service requests have times and grid cells, so both are known.
    requests = "http://testserver/opendata/datasets/service-requests/#dataset"
    assert requests not in {item.focus for item in result.advice}


def test_catalogue_built_outside_a_request_passes_the_command(
    published: None, shapes_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    graph = dcat_views.catalogue_at("https://data.millbrook.example")

    assert dcat_check.main(graph, shapes_dir) == 0
    assert "Violations: 0" in capsys.readouterr().out
    catalogue = URIRef("https://data.millbrook.example/opendata/#catalogue")
    assert (catalogue, RDF.type, DCAT.Catalog) in graph


def test_built_catalogue_conforms(shapes_dir: Path) -> None:
    result = dcat_check.check(dcat.catalogue_graph(a_catalogue()), shapes_dir)

    assert result.conforms, result.report


def test_distribution_without_access_url_does_not_conform(shapes_dir: Path) -> None:
    graph = dcat.catalogue_graph(a_catalogue())
    graph.remove((CSV, DCAT.accessURL, None))

    result = dcat_check.check(graph, shapes_dir)

    assert not result.conforms
    assert [(item.subject_class, item.path, item.problem) for item in result.violations] == [
        ("Distribution", "dcat:accessURL", "missing")
    ]
    assert "dcat:accessURL: missing" in result.summary()


def test_frequency_outside_the_eu_vocabulary_does_not_conform(shapes_dir: Path) -> None:
    graph = dcat.dataset_graph(a_dataset(), language="en-GB")
    dataset = URIRef("https://data.millbrook.example/opendata/datasets/service-requests/#dataset")
    graph.set((dataset, DCT.accrualPeriodicity, URIRef("https://example.org/fortnightly")))

    result = dcat_check.check(graph, shapes_dir)

    assert not result.conforms
    assert {item.path for item in result.violations} == {"dct:accrualPeriodicity"}


def test_licence_not_stated_as_a_licence_document_does_not_conform(shapes_dir: Path) -> None:
    graph = dcat.dataset_graph(a_dataset(), language="en-GB")
    licence = URIRef("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0")
    graph.remove((licence, RDF.type, DCT.LicenseDocument))

    result = dcat_check.check(graph, shapes_dir)

    assert not result.conforms
    assert {(item.path, item.problem) for item in result.violations} == {
        ("dct:license", "value is not of the expected class")
    }


def test_main_prints_the_summary_and_fails_only_on_violations(
    shapes_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    graph = dcat.catalogue_graph(a_catalogue())
    assert dcat_check.main(graph, shapes_dir) == 0
    assert "conforms" in capsys.readouterr().out

    graph.remove((None, DCT.title, Literal("Millbrook Council open data", lang="en-GB")))
    assert dcat_check.main(graph, shapes_dir) == 1
    assert "does NOT conform" in capsys.readouterr().out


def test_missing_shapes_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"shapes\.ttl"):
        dcat_check.check(Graph(), tmp_path)

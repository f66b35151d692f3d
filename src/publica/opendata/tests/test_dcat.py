"""The DCAT-AP graph builder, from plain facts, without a database."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from rdflib import RDF, Graph, Literal, URIRef, namespace

from publica.opendata import dcat
from publica.opendata.dcat import DCAT, DCATAP, DCT, FOAF, SKOS, VCARD

ROOT = "https://data.millbrook.example"
EU = "http://publications.europa.eu/resource/authority/"
# (rdflib's XSD is reached through its module: pytest, collecting, probes module globals.)
COUNCIL = dcat.Agent(
    iri=f"{ROOT}/opendata/#organisation-millbrook",
    name="Millbrook Council",
    website=f"{ROOT}/",
    email="opendata@millbrook.example",
)
DOWNLOADS = (("CSV", "csv", "text/csv"), ("JSON", "json", "application/json"))
DOWNLOADS += (("Parquet", "parquet", "application/vnd.apache.parquet"),)


def a_dataset(name: str = "service-requests", **changes: object) -> dcat.Dataset:
    page = f"{ROOT}/opendata/datasets/{name}/"
    facts = dcat.Dataset(
        iri=f"{page}#dataset",
        identifier=f"id-of-{name}",
        title="Service requests",
        description="Every problem reported to the council.",
        keywords=("potholes", "street lights"),
        theme="GOVE",
        frequency="daily",
        licence="CC-BY-4.0",
        issued=dt.datetime(2025, 1, 6, 9, 30, 15, 123456, tzinfo=dt.UTC),
        modified=dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC),
        landing_page=page,
        schema_url=f"{page}schema.json",
        publisher=COUNCIL,
        downloads=tuple(
            dcat.Download(
                iri=f"{page}#download-{extension}",
                format=label,
                media_type=media_type,
                url=f"{page}download.{extension}",
            )
            for label, extension, media_type in DOWNLOADS
        ),
    )
    return dataclasses.replace(facts, **changes)  # type: ignore[arg-type]


def a_catalogue(*datasets: dcat.Dataset) -> dcat.Catalogue:
    datasets = datasets or (a_dataset(),)
    return dcat.Catalogue(
        iri=f"{ROOT}/opendata/#catalogue",
        title="Millbrook Council open data",
        description="What the council publishes.",
        homepage=f"{ROOT}/opendata/",
        language="en-GB",
        licence="CC-BY-4.0",
        publisher=COUNCIL,
        datasets=datasets,
        services=(
            dcat.DataService(
                iri=f"{ROOT}/opendata/#ckan-api",
                title="CKAN Action API",
                description="Search and read the datasets.",
                endpoint_url=f"{ROOT}/api/3/action/",
                endpoint_description="https://docs.ckan.org/en/latest/api/",
                conforms_to="https://docs.ckan.org/en/latest/api/",
                keywords=("API",),
                serves=tuple(item.iri for item in datasets),
            ),
        ),
    )


def node(iri: str) -> URIRef:
    return URIRef(iri)


DATASET = node(f"{ROOT}/opendata/datasets/service-requests/#dataset")
CSV = node(f"{ROOT}/opendata/datasets/service-requests/#download-csv")


def test_catalogue_has_title_description_publisher_homepage_language_and_licence() -> None:
    graph = dcat.catalogue_graph(a_catalogue())
    catalogue = node(f"{ROOT}/opendata/#catalogue")

    assert (catalogue, RDF.type, DCAT.Catalog) in graph
    assert graph.value(catalogue, DCT.title) == Literal("Millbrook Council open data", lang="en-GB")
    assert graph.value(catalogue, DCT.description) is not None
    assert graph.value(catalogue, DCT.publisher) == node(COUNCIL.iri)
    assert graph.value(catalogue, FOAF.homepage) == node(f"{ROOT}/opendata/")
    assert graph.value(catalogue, DCT.language) == node(f"{EU}language/ENG")
    assert graph.value(catalogue, DCT.license) == node(f"{EU}licence/CC_BY_4_0")
    assert graph.value(catalogue, DCAT.themeTaxonomy) == node(f"{EU}data-theme")


def test_catalogue_is_modified_when_its_newest_dataset_is() -> None:
    older = a_dataset("spending", modified=dt.datetime(2024, 5, 1, tzinfo=dt.UTC))
    graph = dcat.catalogue_graph(a_catalogue(a_dataset(), older))
    catalogue = node(f"{ROOT}/opendata/#catalogue")

    assert graph.value(catalogue, DCT.modified) == Literal(
        "2025-03-01T12:00:00+00:00", datatype=namespace.XSD.dateTime
    )
    assert set(graph.objects(catalogue, DCAT.dataset)) == {
        DATASET,
        node(f"{ROOT}/opendata/datasets/spending/#dataset"),
    }


def test_publisher_is_a_local_authority_from_the_adms_publisher_types() -> None:
    graph = dcat.catalogue_graph(a_catalogue())
    publisher = node(COUNCIL.iri)
    kind = node("http://purl.org/adms/publishertype/LocalAuthority")

    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert graph.value(publisher, FOAF.name) == Literal("Millbrook Council")
    assert graph.value(publisher, DCT.type) == kind
    assert graph.value(kind, SKOS.inScheme) == node("http://purl.org/adms/publishertype/1.0")


def test_dataset_has_identifier_title_keywords_and_dates() -> None:
    graph = dcat.dataset_graph(a_dataset(), language="en-GB")

    assert graph.value(DATASET, DCT.identifier) == Literal("id-of-service-requests")
    assert graph.value(DATASET, DCT.title) == Literal("Service requests", lang="en-GB")
    assert set(graph.objects(DATASET, DCAT.keyword)) == {
        Literal("potholes", lang="en-GB"),
        Literal("street lights", lang="en-GB"),
    }
    # Whole seconds, as xsd:dateTime.
    assert graph.value(DATASET, DCT.issued) == Literal(
        "2025-01-06T09:30:15+00:00", datatype=namespace.XSD.dateTime
    )
    landing = node(f"{ROOT}/opendata/datasets/service-requests/")
    assert graph.value(DATASET, DCAT.landingPage) == landing
    assert (landing, RDF.type, FOAF.Document) in graph


@pytest.mark.parametrize("code", ["GOVE", "ENVI", "ECON"])
def test_theme_is_a_concept_of_the_eu_data_themes(code: str) -> None:
    graph = dcat.dataset_graph(a_dataset(theme=code), language="en-GB")
    theme = graph.value(DATASET, DCAT.theme)

    assert theme == node(f"{EU}data-theme/{code}")
    assert (theme, RDF.type, SKOS.Concept) in graph
    assert graph.value(theme, SKOS.inScheme) == node(f"{EU}data-theme")
    assert graph.value(theme, SKOS.prefLabel) == Literal(dcat.THEMES[code], lang="en")


@pytest.mark.parametrize(
    ("frequency", "code"),
    [
        ("continuous", "CONT"),
        ("daily", "DAILY"),
        ("weekly", "WEEKLY"),
        ("monthly", "MONTHLY"),
        ("annual", "ANNUAL"),
        ("irregular", "IRREG"),
    ],
)
def test_update_frequency_is_from_the_eu_frequency_vocabulary(frequency: str, code: str) -> None:
    graph = dcat.dataset_graph(a_dataset(frequency=frequency), language="en-GB")
    found = graph.value(DATASET, DCT.accrualPeriodicity)

    assert found == node(f"{EU}frequency/{code}")
    assert (found, RDF.type, DCT.Frequency) in graph
    assert graph.value(found, SKOS.inScheme) == node(f"{EU}frequency")


@pytest.mark.parametrize(
    ("spdx_id", "code"),
    [("CC-BY-4.0", "CC_BY_4_0"), ("CC0-1.0", "CC0"), ("OGL-UK-3.0", "OGL_3_0")],
)
def test_spdx_licence_maps_to_the_eu_licence_vocabulary(spdx_id: str, code: str) -> None:
    graph = dcat.dataset_graph(a_dataset(licence=spdx_id), language="en-GB")
    licence = graph.value(CSV, DCT.license)

    assert licence == node(f"{EU}licence/{code}")
    assert (licence, RDF.type, DCT.LicenseDocument) in graph
    kinds = set(graph.objects(licence, DCT.type))
    assert kinds and all(
        str(kind).startswith("http://purl.org/adms/licencetype/") for kind in kinds
    )


def test_licence_missing_from_the_table_points_at_spdx_and_claims_no_type() -> None:
    graph = dcat.dataset_graph(a_dataset(licence="LicenseRef-Millbrook"), language="en-GB")
    licence = graph.value(CSV, DCT.license)

    assert licence == node("https://spdx.org/licenses/LicenseRef-Millbrook.html")
    assert graph.value(licence, DCT.type) is None


def test_each_download_is_a_distribution_with_urls_format_media_type_and_licence() -> None:
    graph = dcat.dataset_graph(a_dataset(), language="en-GB")
    page = f"{ROOT}/opendata/datasets/service-requests/"

    assert set(graph.objects(DATASET, DCAT.distribution)) == {
        node(f"{page}#download-{extension}") for extension in ("csv", "json", "parquet")
    }
    assert graph.value(CSV, DCAT.accessURL) == node(f"{page}download.csv")
    assert graph.value(CSV, DCAT.downloadURL) == node(f"{page}download.csv")
    assert graph.value(CSV, DCT["format"]) == node(f"{EU}file-type/CSV")
    assert graph.value(CSV, DCAT.mediaType) == node(
        "https://www.iana.org/assignments/media-types/text/csv"
    )
    assert graph.value(CSV, DCT.title) == Literal("Service requests (CSV)", lang="en-GB")
    assert graph.value(CSV, DCATAP.availability) == node(f"{EU}planned-availability/AVAILABLE")
    parquet = node(f"{page}#download-parquet")
    assert graph.value(parquet, DCT["format"]) == node(f"{EU}file-type/PARQUET")


def test_dataset_conforms_to_its_table_schema() -> None:
    graph = dcat.dataset_graph(a_dataset(), language="en-GB")
    schema = node(f"{ROOT}/opendata/datasets/service-requests/schema.json")

    assert graph.value(DATASET, DCT.conformsTo) == schema
    assert (schema, RDF.type, DCT.Standard) in graph


def test_contact_point_gives_the_organisations_email() -> None:
    graph = dcat.dataset_graph(a_dataset(), language="en-GB")
    contact = graph.value(DATASET, DCAT.contactPoint)

    assert (contact, RDF.type, VCARD.Organization) in graph
    assert graph.value(contact, VCARD.hasEmail) == node("mailto:opendata@millbrook.example")


def test_contact_point_without_an_email_gives_the_website() -> None:
    publisher = dataclasses.replace(COUNCIL, email="")
    graph = dcat.dataset_graph(a_dataset(publisher=publisher), language="en-GB")
    contact = graph.value(DATASET, DCAT.contactPoint)

    assert graph.value(contact, VCARD.hasEmail) is None
    assert graph.value(contact, VCARD.hasURL) == node(f"{ROOT}/")


def test_known_period_and_area_become_temporal_and_spatial_coverage() -> None:
    facts = a_dataset(
        period=(dt.date(2024, 4, 1), dt.date(2025, 3, 31)),
        bbox=dcat.BoundingBox(west=-1.0, south=52.0, east=-0.5, north=52.25),
    )
    graph = dcat.dataset_graph(facts, language="en-GB")
    period = graph.value(DATASET, DCT.temporal)
    area = graph.value(DATASET, DCT.spatial)

    assert graph.value(period, DCAT.startDate) == Literal("2024-04-01", datatype=namespace.XSD.date)
    assert graph.value(period, DCAT.endDate) == Literal("2025-03-31", datatype=namespace.XSD.date)
    assert str(graph.value(area, DCAT.bbox)) == (
        "POLYGON((-1 52, -0.5 52, -0.5 52.25, -1 52.25, -1 52))"
    )
    assert str(graph.value(area, DCAT.centroid)) == "POINT(-0.75 52.125)"


def test_unknown_coverage_is_left_out() -> None:
    graph = dcat.dataset_graph(a_dataset(), language="en-GB")

    assert graph.value(DATASET, DCT.temporal) is None
    assert graph.value(DATASET, DCT.spatial) is None


def test_catalogue_covers_the_area_of_all_its_datasets() -> None:
    north = a_dataset("projects", bbox=dcat.BoundingBox(-1.0, 52.0, -0.9, 52.3))
    south = a_dataset(bbox=dcat.BoundingBox(-1.2, 51.9, -0.8, 52.1))
    graph = dcat.catalogue_graph(a_catalogue(north, south))
    area = graph.value(node(f"{ROOT}/opendata/#catalogue"), DCT.spatial)

    assert str(graph.value(area, DCAT.bbox)).startswith("POLYGON((-1.2 51.9, -0.8 51.9")


def test_data_service_serves_every_dataset_with_their_themes() -> None:
    datasets = (a_dataset(), a_dataset("sensor-readings", theme="ENVI"))
    graph = dcat.catalogue_graph(a_catalogue(*datasets))
    service = node(f"{ROOT}/opendata/#ckan-api")

    assert (node(f"{ROOT}/opendata/#catalogue"), DCAT.service, service) in graph
    assert (service, RDF.type, DCAT.DataService) in graph
    assert graph.value(service, DCAT.endpointURL) == node(f"{ROOT}/api/3/action/")
    assert set(graph.objects(service, DCAT.servesDataset)) == {node(item.iri) for item in datasets}
    assert set(graph.objects(service, DCAT.theme)) == {
        node(f"{EU}data-theme/GOVE"),
        node(f"{EU}data-theme/ENVI"),
    }


def test_dataset_graph_describes_no_catalogue() -> None:
    graph = dcat.dataset_graph(a_dataset(), language="en-GB")

    assert not set(graph.subjects(RDF.type, DCAT.Catalog))
    assert set(graph.subjects(RDF.type, DCAT.Dataset)) == {DATASET}


def test_graph_round_trips_through_every_serialisation() -> None:
    graph = dcat.catalogue_graph(a_catalogue())

    for rdf_format in ("turtle", "json-ld", "xml"):
        parsed = Graph().parse(data=graph.serialize(format=rdf_format), format=rdf_format)
        assert set(parsed) == set(graph), rdf_format


def test_table_schema_types_each_column_and_keys_rows_on_id() -> None:
    schema = dcat.table_schema(
        [
            ("service_code", "text", "The service's code."),
            ("opened_at", "timestamp", "When it was reported."),
            ("days_to_close", "numeric", "Days to close."),
            ("opened", "int", "Opened that day."),
            ("day", "date", "The day."),
            ("payee_is_individual", "bool", "Whether a person was paid."),
        ]
    )

    assert schema["primaryKey"] == ["_id"]
    assert [(field["name"], field["type"]) for field in schema["fields"]] == [
        ("_id", "integer"),
        ("service_code", "string"),
        ("opened_at", "datetime"),
        ("days_to_close", "number"),
        ("opened", "integer"),
        ("day", "date"),
        ("payee_is_individual", "boolean"),
    ]
    assert schema["fields"][1]["description"] == "The service's code."

"""The DCAT views: the catalogue and each dataset in three RDF formats, and the Table Schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from rdflib import RDF, Graph, URIRef

from publica.accounts.models import Organisation
from publica.opendata.dcat import DCAT, DCT
from publica.opendata.models import Dataset
from publica.opendata.services import datasets_publish

FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}
MEDIA_TYPES = {
    "ttl": "text/turtle; charset=utf-8",
    "jsonld": "application/ld+json; charset=utf-8",
    "rdf": "application/rdf+xml; charset=utf-8",
}
DATASET = URIRef("http://testserver/opendata/datasets/service-requests/#dataset")


@pytest.fixture
def published(council: Organisation) -> list[Dataset]:
    return datasets_publish()


def parsed(client: Client, url: str, extension: str) -> Graph:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return Graph().parse(data=response.content, format=FORMATS[extension])


@pytest.mark.parametrize("extension", FORMATS)
def test_catalogue_is_served_in_each_format_with_its_media_type(
    published: list[Dataset], client: Client, extension: str
) -> None:
    response = client.get(f"/opendata/catalog.{extension}")

    assert response.status_code == 200
    assert response["Content-Type"] == MEDIA_TYPES[extension]
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["ETag"].startswith('W/"')
    assert "Last-Modified" in response


def test_every_format_parses_back_to_the_same_triples(
    published: list[Dataset], client: Client
) -> None:
    graphs = {ext: set(parsed(client, f"/opendata/catalog.{ext}", ext)) for ext in FORMATS}

    assert graphs["ttl"] == graphs["jsonld"] == graphs["rdf"]
    assert len(graphs["ttl"]) > 100


def test_catalogue_lists_every_published_dataset(published: list[Dataset], client: Client) -> None:
    graph = parsed(client, "/opendata/catalog.ttl", "ttl")
    catalogue = URIRef("http://testserver/opendata/#catalogue")

    assert {str(item) for item in graph.objects(catalogue, DCAT.dataset)} == {
        f"http://testserver/opendata/datasets/{record.name}/#dataset" for record in published
    }
    assert DATASET in set(graph.subjects(RDF.type, DCAT.Dataset))


def test_catalogue_offers_the_ckan_and_sensorthings_apis(
    published: list[Dataset], client: Client
) -> None:
    graph = parsed(client, "/opendata/catalog.ttl", "ttl")
    ckan = URIRef("http://testserver/opendata/#ckan-api")
    sensorthings = URIRef("http://testserver/opendata/#sensorthings-api")

    assert graph.value(ckan, DCAT.endpointURL) == URIRef("http://testserver/api/3/action/")
    assert graph.value(sensorthings, DCAT.endpointURL) == URIRef("http://testserver/sta/v1.1/")
    assert set(graph.objects(sensorthings, DCAT.servesDataset)) == {
        URIRef("http://testserver/opendata/datasets/sensor-readings/#dataset")
    }


def test_distributions_point_at_the_downloads(published: list[Dataset], client: Client) -> None:
    graph = parsed(client, "/opendata/datasets/service-requests/dcat.ttl", "ttl")
    csv = URIRef("http://testserver/opendata/datasets/service-requests/#download-csv")

    assert csv in set(graph.objects(DATASET, DCAT.distribution))
    assert graph.value(csv, DCAT.downloadURL) == URIRef(
        "http://testserver/opendata/datasets/service-requests/download.csv"
    )


@pytest.mark.parametrize("extension", FORMATS)
def test_dataset_description_is_served_in_each_format(
    published: list[Dataset], client: Client, extension: str
) -> None:
    graph = parsed(client, f"/opendata/datasets/service-requests/dcat.{extension}", extension)

    assert set(graph.subjects(RDF.type, DCAT.Dataset)) == {DATASET}
    assert not set(graph.subjects(RDF.type, DCAT.Catalog))
    record = next(item for item in published if item.name == "service-requests")
    assert str(graph.value(DATASET, DCT.identifier)) == str(record.id)


def test_unknown_dataset_is_not_found(published: list[Dataset], client: Client) -> None:
    assert client.get("/opendata/datasets/no-such-thing/dcat.ttl").status_code == 404
    assert client.get("/opendata/datasets/no-such-thing/schema.json").status_code == 404


@pytest.mark.parametrize("extension", ["json", "xml", "n3", "TTL"])
def test_unknown_extension_is_not_found(
    published: list[Dataset], client: Client, extension: str
) -> None:
    assert client.get(f"/opendata/catalog.{extension}").status_code == 404
    assert client.get(f"/opendata/datasets/spending/dcat.{extension}").status_code == 404


def test_catalogue_unchanged_since_the_last_fetch_is_not_sent_again(
    published: list[Dataset], client: Client
) -> None:
    first = client.get("/opendata/catalog.ttl")

    again = client.get("/opendata/catalog.ttl", headers={"if-none-match": first["ETag"]})
    since = client.get(
        "/opendata/catalog.ttl", headers={"if-modified-since": first["Last-Modified"]}
    )

    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "*"
    assert since.status_code == 304


def test_catalogue_changes_its_etag_when_a_dataset_changes(
    published: list[Dataset], client: Client
) -> None:
    first = client.get("/opendata/catalog.ttl")
    Dataset.objects.filter(name="spending").update(
        modified_at=published[0].modified_at + dt.timedelta(minutes=5)
    )

    after = client.get("/opendata/catalog.ttl", headers={"if-none-match": first["ETag"]})

    assert after.status_code == 200
    assert after["ETag"] != first["ETag"]


def test_each_format_has_its_own_etag(published: list[Dataset], client: Client) -> None:
    etags = {client.get(f"/opendata/catalog.{ext}")["ETag"] for ext in FORMATS}

    assert len(etags) == 3


def test_schema_lists_the_columns_with_their_types_and_descriptions(
    published: list[Dataset], client: Client
) -> None:
    response = client.get("/opendata/datasets/daily-volumes/schema.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    schema = response.json()
    assert schema["primaryKey"] == ["_id"]
    assert [(field["name"], field["type"]) for field in schema["fields"]] == [
        ("_id", "integer"),
        ("day", "date"),
        ("service_code", "string"),
        ("service_name", "string"),
        ("opened", "integer"),
        ("closed", "integer"),
    ]
    assert all(field["description"] for field in schema["fields"])


def test_dataset_names_its_schema_as_the_standard_it_conforms_to(
    published: list[Dataset], client: Client
) -> None:
    graph = parsed(client, "/opendata/datasets/service-requests/dcat.ttl", "ttl")
    schema = graph.value(DATASET, DCT.conformsTo)

    assert schema == URIRef("http://testserver/opendata/datasets/service-requests/schema.json")
    assert client.get(str(schema).removeprefix("http://testserver")).status_code == 200


def test_contact_point_falls_back_to_the_website_without_an_email(
    published: list[Dataset], client: Client
) -> None:
    graph = parsed(client, "/opendata/datasets/service-requests/dcat.ttl", "ttl")
    contact = graph.value(DATASET, DCAT.contactPoint)
    vcard = "http://www.w3.org/2006/vcard/ns#"

    assert graph.value(contact, URIRef(f"{vcard}hasURL")) == URIRef("http://testserver/")


def test_catalogue_without_datasets_is_still_served(council: Organisation, client: Client) -> None:
    graph = parsed(client, "/opendata/catalog.ttl", "ttl")

    assert set(graph.subjects(RDF.type, DCAT.Catalog))
    assert not set(graph.subjects(RDF.type, DCAT.Dataset))

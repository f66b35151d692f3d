"""DCAT-AP 3 descriptions of the open-data catalogue as rdflib graphs, built from plain facts.

Nothing here reads the database: `dcat_views` gathers the facts (records, definitions,
absolute URLs) and these functions turn them into triples, so the mapping to DCAT-AP and
the EU vocabularies can be read and tested on its own.

The graph states the class of every node it points at (a licence is a dct:LicenseDocument,
a theme a skos:Concept in the data-theme scheme, …). DCAT-AP's range and vocabulary shapes
check those classes, and a validator without network access cannot learn them from the
vocabularies themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef

from publica.opendata.licences import LICENCES

__all__ = [
    "FILE_TYPES",
    "FREQUENCIES",
    "THEMES",
    "Agent",
    "BoundingBox",
    "Catalogue",
    "DataService",
    "Dataset",
    "Download",
    "catalogue_graph",
    "dataset_graph",
    "licence_iri",
    "table_schema",
]

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
DCATAP = Namespace("http://data.europa.eu/r5r/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")

#: Prefixes for the serialisations (and the JSON-LD context), so documents stay readable.
PREFIXES = {
    "dcat": DCAT,
    "dct": DCT,
    "dcatap": DCATAP,
    "foaf": FOAF,
    "gsp": GSP,
    "skos": SKOS,
    "vcard": VCARD,
    "xsd": Namespace(str(XSD)),
}

AUTHORITY = "http://publications.europa.eu/resource/authority/"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"

#: EU data-theme codes and their English labels.
THEMES = {
    "AGRI": "Agriculture, fisheries, forestry and food",
    "ECON": "Economy and finance",
    "EDUC": "Education, culture and sport",
    "ENER": "Energy",
    "ENVI": "Environment",
    "GOVE": "Government and public sector",
    "HEAL": "Health",
    "INTR": "International issues",
    "JUST": "Justice, legal system and public safety",
    "REGI": "Regions and cities",
    "SOCI": "Population and society",
    "TECH": "Science and technology",
    "TRAN": "Transport",
}

#: The registry's update frequencies as EU frequency codes (code, English label).
FREQUENCIES = {
    "continuous": ("CONT", "continuous"),
    "daily": ("DAILY", "daily"),
    "weekly": ("WEEKLY", "weekly"),
    "monthly": ("MONTHLY", "monthly"),
    "annual": ("ANNUAL", "annual"),
    "irregular": ("IRREG", "irregular"),
}

#: Download formats (as `selectors.FORMATS` names them) as EU file-type codes.
FILE_TYPES = {"CSV": "CSV", "JSON": "JSON", "Parquet": "PARQUET"}


#: The tables' column types (`tables.ColumnType`) as Frictionless Table Schema types.
SCHEMA_TYPES = {
    "text": "string",
    "int": "integer",
    "numeric": "number",
    "timestamp": "datetime",
    "date": "date",
    "bool": "boolean",
}

# The codes in use from the other vocabularies DCAT-AP names.
PUBLISHER_TYPES = "http://purl.org/adms/publishertype/"
PUBLISHER_TYPE_LABELS = {
    "LocalAuthority": "Local Authority",
    "RegionalAuthority": "Regional Authority",
    "NationalAuthority": "National Authority",
}
LICENCE_TYPES = "http://purl.org/adms/licencetype/"
LANGUAGES = {"en": ("ENG", "English"), "cy": ("CYM", "Welsh"), "ga": ("GLE", "Irish")}


@dataclass(frozen=True)
class Agent:
    """Who publishes: `kind` is an ADMS publisher type (LocalAuthority, …), or empty when
    none fits; `email`, if any, is where the public write about the data, else `website`.
    Its contact point is `<iri>-contact`."""

    iri: str
    name: str
    website: str
    email: str = ""
    kind: str = "LocalAuthority"


@dataclass(frozen=True)
class Download:
    """One distribution: `format` as `selectors.FORMATS` names it, `url` absolute."""

    iri: str
    format: str
    media_type: str
    url: str


@dataclass(frozen=True)
class BoundingBox:
    """The area the rows fall in, in WGS 84 degrees."""

    west: float
    south: float
    east: float
    north: float


@dataclass(frozen=True)
class Dataset:
    """What DCAT says about one dataset; URLs absolute. `period` is the first and last
    date or time the rows cover, `bbox` where they lie; either is None when not known."""

    iri: str
    identifier: str
    title: str
    description: str
    keywords: tuple[str, ...]
    theme: str
    frequency: str
    licence: str
    issued: dt.datetime
    modified: dt.datetime
    landing_page: str
    schema_url: str
    publisher: Agent
    downloads: tuple[Download, ...]
    period: tuple[dt.date, dt.date] | None = None
    bbox: BoundingBox | None = None


@dataclass(frozen=True)
class DataService:
    """An API serving datasets (by IRI): its endpoint, where it is described, and the
    specification it follows."""

    iri: str
    title: str
    description: str
    endpoint_url: str
    endpoint_description: str
    conforms_to: str
    keywords: tuple[str, ...]
    serves: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    iri: str
    title: str
    description: str
    homepage: str
    language: str
    licence: str
    publisher: Agent
    datasets: tuple[Dataset, ...]
    services: tuple[DataService, ...] = ()


def licence_iri(spdx_id: str) -> str:
    """The EU vocabulary's IRI for an SPDX licence id; SPDX's own page for one not mapped."""
    known = LICENCES.get(spdx_id)
    if known is None:
        return f"https://spdx.org/licenses/{spdx_id}.html"
    return f"{AUTHORITY}licence/{known.eu_code}"


def table_schema(
    columns: Iterable[tuple[str, str, str]], *, id_type: str = "integer"
) -> dict[str, Any]:
    """A Frictionless Table Schema of a table's (name, type, description) columns, after the
    `_id` every row carries (the key the CKAN DataStore and the downloads share)."""
    key = {
        "name": "_id",
        "type": id_type,
        "description": "The row's identifier, stable across rebuilds.",
        "constraints": {"required": True, "unique": True},
    }
    fields = [
        {"name": name, "type": SCHEMA_TYPES[kind], "description": description}
        for name, kind, description in columns
    ]
    return {"fields": [key, *fields], "primaryKey": ["_id"], "missingValues": [""]}


def catalogue_graph(catalogue: Catalogue) -> Graph:
    """The whole catalogue: its datasets and their downloads, and the APIs serving them."""
    build = _Builder(catalogue.language)
    node = URIRef(catalogue.iri)
    graph = build.graph
    graph.add((node, RDF.type, DCAT.Catalog))
    build.text(node, DCT.title, catalogue.title)
    build.text(node, DCT.description, catalogue.description)
    graph.add((node, DCT.publisher, build.agent(catalogue.publisher)))
    graph.add((node, FOAF.homepage, build.document(catalogue.homepage)))
    graph.add((node, DCT.language, build.language()))
    graph.add((node, DCT.license, build.licence(catalogue.licence)))
    graph.add((node, DCAT.themeTaxonomy, build.scheme(f"{AUTHORITY}data-theme", "Data theme")))
    if catalogue.datasets:
        first_issued = min(item.issued for item in catalogue.datasets)
        last_modified = max(item.modified for item in catalogue.datasets)
        graph.add((node, DCT.issued, _datetime(first_issued)))
        graph.add((node, DCT.modified, _datetime(last_modified)))
    boxes = [item.bbox for item in catalogue.datasets if item.bbox is not None]
    if boxes:
        graph.add((node, DCT.spatial, build.location(catalogue.iri, _union(boxes))))
    for dataset in catalogue.datasets:
        graph.add((node, DCAT.dataset, build.dataset(dataset)))
    themes = {item.iri: item.theme for item in catalogue.datasets}
    for service in catalogue.services:
        served = [themes[iri] for iri in service.serves if iri in themes]
        graph.add((node, DCAT.service, build.service(service, catalogue.publisher, served)))
    return graph


def dataset_graph(dataset: Dataset, *, language: str) -> Graph:
    """One dataset, its downloads and the nodes they refer to, without the catalogue."""
    build = _Builder(language)
    build.dataset(dataset)
    return build.graph


class _Builder:
    """Adds nodes to one graph; each node it refers to is described once, however many
    datasets share it."""

    def __init__(self, language: str) -> None:
        self.graph = Graph()
        for prefix, namespace in PREFIXES.items():
            self.graph.bind(prefix, namespace)
        self.tag = language

    def text(self, node: URIRef, predicate: URIRef, value: str) -> None:
        self.graph.add((node, predicate, Literal(value, lang=self.tag)))

    def dataset(self, dataset: Dataset) -> URIRef:
        graph, node = self.graph, URIRef(dataset.iri)
        graph.add((node, RDF.type, DCAT.Dataset))
        graph.add((node, DCT.identifier, Literal(dataset.identifier)))
        self.text(node, DCT.title, dataset.title)
        self.text(node, DCT.description, dataset.description)
        for keyword in dataset.keywords:
            self.text(node, DCAT.keyword, keyword)
        graph.add((node, DCAT.theme, self.theme(dataset.theme)))
        graph.add((node, DCT.accrualPeriodicity, self.frequency(dataset.frequency)))
        graph.add((node, DCT.issued, _datetime(dataset.issued)))
        graph.add((node, DCT.modified, _datetime(dataset.modified)))
        graph.add((node, DCT.language, self.language()))
        graph.add((node, DCT.publisher, self.agent(dataset.publisher)))
        graph.add((node, DCAT.contactPoint, self.contact(dataset.publisher)))
        graph.add((node, DCAT.landingPage, self.document(dataset.landing_page)))
        graph.add((node, DCT.accessRights, self.public_access()))
        graph.add((node, DCT.conformsTo, self.schema(dataset)))
        if dataset.period is not None:
            graph.add((node, DCT.temporal, self.period(dataset.iri, *dataset.period)))
        if dataset.bbox is not None:
            graph.add((node, DCT.spatial, self.location(dataset.iri, dataset.bbox)))
        for download in dataset.downloads:
            graph.add((node, DCAT.distribution, self.distribution(dataset, download)))
        return node

    def distribution(self, dataset: Dataset, download: Download) -> URIRef:
        graph, node = self.graph, URIRef(download.iri)
        url = URIRef(download.url)
        graph.add((node, RDF.type, DCAT.Distribution))
        self.text(node, DCT.title, f"{dataset.title} ({download.format})")
        self.text(
            node,
            DCT.description,
            f"Every published row of “{dataset.title}”, as {download.format}.",
        )
        graph.add((node, DCAT.accessURL, url))
        graph.add((node, DCAT.downloadURL, url))
        code = FILE_TYPES.get(download.format)
        if code is not None:
            file_type = self.concept(
                f"{AUTHORITY}file-type/{code}", code, f"{AUTHORITY}file-type", "File type"
            )
            graph.add((file_type, RDF.type, DCT.MediaTypeOrExtent))
            graph.add((node, DCT["format"], file_type))
        media_type = URIRef(IANA_MEDIA_TYPES + download.media_type)
        graph.add((media_type, RDF.type, DCT.MediaType))
        graph.add((node, DCAT.mediaType, media_type))
        graph.add((node, DCT.license, self.licence(dataset.licence)))
        graph.add((node, DCT.modified, _datetime(dataset.modified)))
        graph.add((node, DCATAP.availability, self.availability()))
        return node

    def service(self, service: DataService, publisher: Agent, themes: Iterable[str]) -> URIRef:
        graph, node = self.graph, URIRef(service.iri)
        graph.add((node, RDF.type, DCAT.DataService))
        self.text(node, DCT.title, service.title)
        self.text(node, DCT.description, service.description)
        graph.add((node, DCAT.endpointURL, URIRef(service.endpoint_url)))
        graph.add((node, DCAT.endpointDescription, URIRef(service.endpoint_description)))
        standard = URIRef(service.conforms_to)
        graph.add((standard, RDF.type, DCT.Standard))
        graph.add((node, DCT.conformsTo, standard))
        for keyword in service.keywords:
            self.text(node, DCAT.keyword, keyword)
        for code in sorted(set(themes)):
            graph.add((node, DCAT.theme, self.theme(code)))
        graph.add((node, DCT.publisher, self.agent(publisher)))
        graph.add((node, DCAT.contactPoint, self.contact(publisher)))
        graph.add((node, DCT.accessRights, self.public_access()))
        for dataset_iri in service.serves:
            graph.add((node, DCAT.servesDataset, URIRef(dataset_iri)))
        return node

    def agent(self, agent: Agent) -> URIRef:
        graph, node = self.graph, URIRef(agent.iri)
        graph.add((node, RDF.type, FOAF.Agent))
        graph.add((node, RDF.type, FOAF.Organization))
        graph.add((node, FOAF.name, Literal(agent.name)))
        graph.add((node, FOAF.homepage, URIRef(agent.website)))
        if agent.kind:
            label = PUBLISHER_TYPE_LABELS.get(agent.kind, agent.kind)
            kind = self.concept(
                PUBLISHER_TYPES + agent.kind, label, f"{PUBLISHER_TYPES}1.0", "Publisher type"
            )
            graph.add((node, DCT.type, kind))
        return node

    def contact(self, agent: Agent) -> URIRef:
        # vcard:Kind too, because DCAT-AP's range shape asks for that class and only the
        # vCard ontology says an Organization is a Kind.
        graph, node = self.graph, URIRef(f"{agent.iri}-contact")
        graph.add((node, RDF.type, VCARD.Organization))
        graph.add((node, RDF.type, VCARD.Kind))
        graph.add((node, VCARD.fn, Literal(agent.name)))
        if agent.email:
            graph.add((node, VCARD.hasEmail, URIRef(f"mailto:{agent.email}")))
        else:
            graph.add((node, VCARD.hasURL, URIRef(agent.website)))
        return node

    def schema(self, dataset: Dataset) -> URIRef:
        node = URIRef(dataset.schema_url)
        self.graph.add((node, RDF.type, DCT.Standard))
        self.text(node, DCT.title, f"Table schema of “{dataset.title}”")
        return node

    def document(self, url: str) -> URIRef:
        node = URIRef(url)
        self.graph.add((node, RDF.type, FOAF.Document))
        return node

    def period(self, iri: str, start: dt.date, end: dt.date) -> URIRef:
        graph, node = self.graph, URIRef(_fragment(iri, "period"))
        graph.add((node, RDF.type, DCT.PeriodOfTime))
        graph.add((node, DCAT.startDate, _date_or_datetime(start)))
        graph.add((node, DCAT.endDate, _date_or_datetime(end)))
        return node

    def location(self, iri: str, box: BoundingBox) -> URIRef:
        graph, node = self.graph, URIRef(_fragment(iri, "area"))
        west, south, east, north = (
            _degrees(value) for value in (box.west, box.south, box.east, box.north)
        )
        polygon = (
            f"POLYGON(({west} {south}, {east} {south}, {east} {north}, "
            f"{west} {north}, {west} {south}))"
        )
        longitude, latitude = (box.west + box.east) / 2, (box.south + box.north) / 2
        centre = f"POINT({_degrees(longitude)} {_degrees(latitude)})"
        graph.add((node, RDF.type, DCT.Location))
        graph.add((node, DCAT.bbox, Literal(polygon, datatype=GSP.wktLiteral)))
        graph.add((node, DCAT.centroid, Literal(centre, datatype=GSP.wktLiteral)))
        return node

    def theme(self, code: str) -> URIRef:
        node = self.concept(
            f"{AUTHORITY}data-theme/{code}",
            THEMES.get(code, code),
            f"{AUTHORITY}data-theme",
            "Data theme",
        )
        return node

    def frequency(self, frequency: str) -> URIRef:
        code, label = FREQUENCIES[frequency]
        node = self.concept(
            f"{AUTHORITY}frequency/{code}", label, f"{AUTHORITY}frequency", "Frequency"
        )
        self.graph.add((node, RDF.type, DCT.Frequency))
        return node

    def language(self) -> URIRef:
        code, label = LANGUAGES.get(self.tag.split("-")[0].lower(), LANGUAGES["en"])
        node = self.concept(
            f"{AUTHORITY}language/{code}", label, f"{AUTHORITY}language", "Language"
        )
        self.graph.add((node, RDF.type, DCT.LinguisticSystem))
        return node

    def licence(self, spdx_id: str) -> URIRef:
        node, known = URIRef(licence_iri(spdx_id)), LICENCES.get(spdx_id)
        self.graph.add((node, RDF.type, DCT.LicenseDocument))
        if known is None:
            # Not in the EU vocabulary as far as this table knows: name it, claim no type.
            self.graph.add((node, DCT.title, Literal(spdx_id)))
            return node
        self.concept(str(node), known.title, f"{AUTHORITY}licence", "Licence")
        for kind in known.types:
            concept = self.concept(
                LICENCE_TYPES + kind, kind, f"{LICENCE_TYPES}1.0", "Licence type"
            )
            self.graph.add((node, DCT.type, concept))
        return node

    def public_access(self) -> URIRef:
        node = self.concept(
            f"{AUTHORITY}access-right/PUBLIC", "public", f"{AUTHORITY}access-right", "Access right"
        )
        self.graph.add((node, RDF.type, DCT.RightsStatement))
        return node

    def availability(self) -> URIRef:
        # AVAILABLE ("expected to stay available for some years") rather than STABLE: the
        # URLs are stable, but how long a council keeps publishing is its own promise.
        return self.concept(
            f"{AUTHORITY}planned-availability/AVAILABLE",
            "available",
            f"{AUTHORITY}planned-availability",
            "Planned availability",
        )

    def concept(self, iri: str, label: str, scheme: str, scheme_title: str) -> URIRef:
        graph, node = self.graph, URIRef(iri)
        graph.add((node, RDF.type, SKOS.Concept))
        graph.add((node, SKOS.prefLabel, Literal(label, lang="en")))
        graph.add((node, SKOS.inScheme, self.scheme(scheme, scheme_title)))
        return node

    def scheme(self, iri: str, title: str) -> URIRef:
        node = URIRef(iri)
        self.graph.add((node, RDF.type, SKOS.ConceptScheme))
        self.graph.add((node, DCT.title, Literal(title, lang="en")))
        return node


def _fragment(iri: str, name: str) -> str:
    """A node belonging to `iri`, on the same page: the same IRI with another fragment."""
    return f"{iri.split('#', 1)[0]}#{name}"


def _datetime(value: dt.datetime) -> Literal:
    # Whole seconds: the database keeps microseconds no reader of a catalogue needs.
    return Literal(value.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def _date_or_datetime(value: dt.date) -> Literal:
    if isinstance(value, dt.datetime):
        return _datetime(value)
    return Literal(value.isoformat(), datatype=XSD.date)


def _degrees(value: float) -> str:
    # Six decimals is about 10 cm: enough for any published grid cell, and stable text.
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _union(boxes: list[BoundingBox]) -> BoundingBox:
    return BoundingBox(
        west=min(box.west for box in boxes),
        south=min(box.south for box in boxes),
        east=max(box.east for box in boxes),
        north=max(box.north for box in boxes),
    )

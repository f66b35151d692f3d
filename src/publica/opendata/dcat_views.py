"""The DCAT-AP 3 catalogue and each dataset's DCAT description, as Turtle, JSON-LD or RDF/XML,
and each dataset's Frictionless Table Schema.

The views gather plain facts (records, definitions, absolute URLs) and leave the mapping to
DCAT to `publica.opendata.dcat`. Every response may be read from any origin and is cached
until a dataset changes: its ETag and Last-Modified come from the datasets' records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Max, Min
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.translation import to_locale
from rdflib import Graph

from publica.accounts.models import Organisation
from publica.accounts.selectors import organisation_get
from publica.core.errors import NotFound
from publica.opendata import dcat
from publica.opendata.selectors import Published, published_get, published_list
from publica.opendata.tables import Table

__all__ = ["catalogue", "catalogue_at", "dataset", "schema"]

#: Makes a path absolute (`request.build_absolute_uri`, or the site's URL joined to it).
Absolute = Callable[[str], str]

#: Extension → rdflib format and media type.
SERIALISATIONS = {
    "ttl": ("turtle", "text/turtle"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("xml", "application/rdf+xml"),
}
SENSOR_DATASET = "sensor-readings"
CKAN_API_DOCUMENTATION = "https://docs.ckan.org/en/latest/api/"
SENSORTHINGS_STANDARD = "http://www.opengis.net/doc/is/sensorthings/1.1"
CACHE_SECONDS = 300


def catalogue(request: HttpRequest, extension: str) -> HttpResponse:
    rdf_format = _serialisation(extension)
    records = published_list()
    validators = _validators(records, extension)
    not_modified = _not_modified(request, *validators)
    if not_modified is not None:
        return not_modified
    graph = dcat.catalogue_graph(_catalogue(request.build_absolute_uri, records))
    return _rdf_response(graph, rdf_format, *validators)


def dataset(request: HttpRequest, name: str, extension: str) -> HttpResponse:
    rdf_format = _serialisation(extension)
    item = _published_or_404(name)
    validators = _validators([item], extension)
    not_modified = _not_modified(request, *validators)
    if not_modified is not None:
        return not_modified
    graph = dcat.dataset_graph(_dataset(request.build_absolute_uri, item), language=_language())
    return _rdf_response(graph, rdf_format, *validators)


def schema(request: HttpRequest, name: str) -> HttpResponse:
    """The dataset's columns as a Frictionless Table Schema (what DCAT's conformsTo names)."""
    item = _published_or_404(name)
    validators = _validators([item], "schema")
    not_modified = _not_modified(request, *validators)
    if not_modified is not None:
        return not_modified
    body = dcat.table_schema(
        ((column.name, column.type, column.description) for column in item.table.columns),
        id_type=_id_type(item.table),
    )
    response = JsonResponse(body, json_dumps_params={"indent": 2, "ensure_ascii": False})
    return _shared(response, *validators)


def catalogue_at(site_url: str) -> Graph:
    """The catalogue as served at `site_url` (PUBLICA_SITE_URL), outside a request: what
    `publica opendata check-dcat` validates."""
    return dcat.catalogue_graph(_catalogue(lambda path: urljoin(site_url, path), published_list()))


# Responses ------------------------------------------------------------------------------


def _serialisation(extension: str) -> tuple[str, str]:
    try:
        return SERIALISATIONS[extension]
    except KeyError:
        raise Http404(f"no DCAT as .{extension}") from None


def _published_or_404(name: str) -> Published:
    try:
        return published_get(name)
    except NotFound as error:
        raise Http404(str(error)) from None


def _validators(records: list[Published], variant: str) -> tuple[str, dt.datetime | None]:
    """A weak ETag over what the description is made of, and the newest change."""
    digest = hashlib.sha256(variant.encode())
    for item in records:
        record, organisation = item.dataset, item.dataset.organisation
        digest.update(
            f"{record.id}|{record.modified_at.isoformat()}|{record.licence}|"
            f"{organisation.name}|{organisation.contact_email}\n".encode()
        )
    newest = max((item.dataset.modified_at for item in records), default=None)
    return f'W/"{digest.hexdigest()[:32]}"', newest


def _not_modified(
    request: HttpRequest, etag: str, last_modified: dt.datetime | None
) -> HttpResponse | None:
    timestamp = int(last_modified.timestamp()) if last_modified else None
    response = get_conditional_response(request, etag=etag, last_modified=timestamp)
    return _shared(response, etag, last_modified) if response is not None else None


def _rdf_response(
    graph: Graph, rdf_format: tuple[str, str], etag: str, last_modified: dt.datetime | None
) -> HttpResponse:
    name, media_type = rdf_format
    options: dict[str, Any] = {}
    if name == "json-ld":
        # The prefixes as the context, so the JSON reads dct:title rather than full IRIs.
        options = {"context": {p: str(ns) for p, ns in dcat.PREFIXES.items()}, "auto_compact": True}
    body = graph.serialize(format=name, encoding="utf-8", **options)
    response = HttpResponse(body, content_type=f"{media_type}; charset=utf-8")
    return _shared(response, etag, last_modified)


def _shared(response: HttpResponse, etag: str, last_modified: dt.datetime | None) -> HttpResponse:
    # Public metadata: any site may read it, any cache may keep it for a few minutes and
    # then revalidate against the ETag.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["ETag"] = etag
    if last_modified is not None:
        response.headers["Last-Modified"] = http_date(last_modified.timestamp())
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


# Facts ----------------------------------------------------------------------------------


def _catalogue(absolute: Absolute, records: list[Published]) -> dcat.Catalogue:
    index = absolute(reverse("opendata:index"))
    organisation = organisation_get()
    publisher = _agent(absolute, organisation)
    datasets = tuple(_dataset(absolute, item) for item in records)
    return dcat.Catalogue(
        iri=f"{index}#catalogue",
        title=f"{publisher.name} open data",
        description=(
            f"The datasets {publisher.name} publishes as open data, each with its downloads "
            "(CSV, JSON and Parquet), and the APIs that serve them."
        ),
        homepage=index,
        language=_language(),
        licence=settings.PUBLICA_OPENDATA_LICENCE,
        publisher=publisher,
        datasets=datasets,
        services=tuple(_services(absolute, publisher, records, datasets)),
    )


def _dataset(absolute: Absolute, item: Published) -> dcat.Dataset:
    page = absolute(item.get_absolute_url())
    period, bbox = _coverage(item.table)
    return dcat.Dataset(
        iri=f"{page}#dataset",
        identifier=item.id,
        title=item.title,
        description=item.description,
        keywords=item.definition.keywords,
        theme=item.definition.theme,
        frequency=item.definition.frequency,
        licence=item.dataset.licence,
        issued=item.dataset.created_at,
        modified=item.dataset.modified_at,
        landing_page=page,
        schema_url=absolute(reverse("opendata:schema", args=[item.name])),
        publisher=_agent(absolute, item.dataset.organisation),
        downloads=tuple(
            dcat.Download(
                iri=f"{page}#download-{resource.extension}",
                format=resource.format,
                media_type=resource.media_type,
                url=absolute(resource.url),
            )
            for resource in item.resources()
        ),
        period=period,
        bbox=bbox,
    )


def _services(
    absolute: Absolute,
    publisher: dcat.Agent,
    records: list[Published],
    datasets: tuple[dcat.Dataset, ...],
) -> Iterable[dcat.DataService]:
    index = absolute(reverse("opendata:index"))
    # The action views share one route; the API's endpoint is the folder they live in.
    action = reverse("ckan3:action", args=["package_list"])
    yield dcat.DataService(
        iri=f"{index}#ckan-api",
        title="CKAN Action API",
        description=(
            f"Search and read {publisher.name}'s datasets and their rows through the CKAN "
            "Action API (package_search, package_show, datastore_search, …)."
        ),
        endpoint_url=absolute(action.removesuffix("package_list")),
        endpoint_description=CKAN_API_DOCUMENTATION,
        conforms_to=CKAN_API_DOCUMENTATION,
        keywords=("API", "CKAN"),
        serves=tuple(item.iri for item in datasets),
    )
    sensors = [
        fact for item, fact in zip(records, datasets, strict=True) if item.name == SENSOR_DATASET
    ]
    if sensors:
        root = absolute(reverse("sensors:root"))
        yield dcat.DataService(
            iri=f"{index}#sensorthings-api",
            title="SensorThings API",
            description=(
                "The public sensors' Things, Datastreams and Observations, live, through the "
                "OGC SensorThings API 1.1."
            ),
            endpoint_url=root,
            # The service root lists the API's entity sets and the conformance classes.
            endpoint_description=root,
            conforms_to=SENSORTHINGS_STANDARD,
            keywords=("API", "SensorThings", "sensors"),
            serves=tuple(item.iri for item in sensors),
        )


def _agent(absolute: Absolute, organisation: Organisation | None) -> dcat.Agent:
    index = absolute(reverse("opendata:index"))
    website = absolute("/")
    if organisation is None:
        # Before `publica demo` there is no organisation; the site still names its publisher.
        return dcat.Agent(iri=f"{index}#publisher", name=urlsplit(website).netloc, website=website)
    return dcat.Agent(
        iri=f"{index}#organisation-{organisation.slug}",
        name=organisation.name,
        website=website,
        email=organisation.contact_email,
        # Publica is made for councils; an agency running it would need its own type.
        kind="LocalAuthority",
    )


def _language() -> str:
    """The site's language as a BCP 47 tag (en-gb → en-GB)."""
    return to_locale(settings.LANGUAGE_CODE).replace("_", "-")


def _coverage(table: Table) -> tuple[tuple[dt.date, dt.date] | None, dcat.BoundingBox | None]:
    """When and where the rows lie: the range of the table's first date or time column,
    and the box around its first latitude and longitude columns. One query."""
    when = next((c.name for c in table.columns if c.type in ("date", "timestamp")), None)
    latitude = next((c.name for c in table.columns if c.name.endswith("latitude")), None)
    longitude = latitude and latitude.removesuffix("latitude") + "longitude"
    aggregates: dict[str, Min | Max] = {}
    if when is not None:
        aggregates.update(start=Min(when), end=Max(when))
    if latitude and longitude and table.column(longitude) is not None:
        aggregates.update(
            south=Min(latitude), north=Max(latitude), west=Min(longitude), east=Max(longitude)
        )
    if not aggregates:
        return None, None
    found = table.queryset().order_by().aggregate(**aggregates)
    period = None
    if found.get("start") is not None and found.get("end") is not None:
        period = (found["start"], found["end"])
    bbox = None
    if all(found.get(side) is not None for side in ("south", "north", "west", "east")):
        bbox = dcat.BoundingBox(
            west=found["west"], south=found["south"], east=found["east"], north=found["north"]
        )
    return period, bbox


def _id_type(table: Table) -> str:
    """`_id`'s Table Schema type: integer for an integer key, else string."""
    model = table.rows().model
    try:
        field = (
            model._meta.pk if table.id_source == "pk" else model._meta.get_field(table.id_source)
        )
    except FieldDoesNotExist:
        return "string"
    internal = field.get_internal_type() if field is not None else ""
    return "integer" if "Integer" in internal or internal.endswith("AutoField") else "string"

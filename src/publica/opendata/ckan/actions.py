"""The CKAN actions Publica answers, by name: the catalogue ones (packages, organizations,
resources, status) here, `datastore_search` in its own module. Each takes the call's
parameters and returns the `result`, or raises an ActionError."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from publica.accounts.models import Organisation
from publica.core import clock
from publica.core.errors import NotFound
from publica.opendata.ckan import datastore
from publica.opendata.ckan.errors import (
    AuthorizationError,
    NotFoundError,
    SearchQueryError,
    ValidationError,
)
from publica.opendata.ckan.packages import (
    SEARCH_SCHEMA,
    Absolute,
    document,
    organization_dict,
    organization_id,
    package_dict,
    resource_dict,
)
from publica.opendata.ckan.params import (
    LARGEST,
    as_bool,
    as_natural,
    as_string,
    as_string_list,
)
from publica.opendata.ckan.query import Node, QueryError, matches, parse, score
from publica.opendata.selectors import Published, published_get, published_list, resource_get

__all__ = ["ACTIONS", "CKAN_VERSION", "WRITE_ACTIONS", "Call"]

#: The CKAN release whose Action API this imitates; clients read it from status_show.
CKAN_VERSION = "2.10.0"
#: package_search's largest page (CKAN's ckan.search.rows_max).
ROWS_MAX = 1000
DEFAULT_SORT = "score desc, metadata_modified desc"
# What package_search may sort by: single-valued fields of the search documents.
SORTABLE = (
    "id",
    "name",
    "title",
    "title_string",
    "metadata_created",
    "metadata_modified",
    "num_resources",
    "num_tags",
    "state",
    "license_id",
    "owner_org",
    "organization",
    "type",
    "frequency",
    "theme",
    "row_count",
)
#: CKAN's writes: the catalogue is published from Publica's own data, so they are refused
#: as CKAN refuses a caller without rights, rather than as unknown actions.
WRITE_ACTIONS = frozenset(
    f"{entity}_{verb}"
    for entity in ("package", "resource", "organization", "group", "datastore", "dataset")
    for verb in ("create", "update", "patch", "delete", "purge", "upsert")
)


@dataclass(frozen=True)
class Call:
    """One action call: its parameters, and what the request says about where it came."""

    params: dict[str, Any]
    absolute: Absolute
    path: str
    query: dict[str, Any] | None


def _required(params: dict[str, Any], name: str) -> str:
    value = as_string(params, name)
    if not value:
        raise ValidationError({name: ["Missing value"]})
    return value


def _packages(call: Call) -> list[dict[str, Any]]:
    return [package_dict(item, call.absolute) for item in published_list()]


def package_list(call: Call) -> list[str]:
    """The names of every public dataset, by name (`limit`, `offset`)."""
    limit = as_natural(call.params, "limit", default=LARGEST, maximum=LARGEST)
    offset = as_natural(call.params, "offset", default=0, maximum=LARGEST)
    names = sorted(item.name for item in published_list())
    return names[offset : offset + limit]


def package_show(call: Call) -> dict[str, Any]:
    """One dataset by name or id (`id`)."""
    wanted = as_string(call.params, "id") or as_string(call.params, "name_or_id")
    if not wanted:
        raise ValidationError({"id": ["Missing value"]})
    try:
        item = published_get(wanted)
    except NotFound:
        raise NotFoundError("Dataset not found") from None
    return package_dict(item, call.absolute)


def package_search(call: Call) -> dict[str, Any]:
    """Search datasets with Solr's query language: q, fq, fq_list, rows, start, sort,
    facet, facet.field, facet.limit, facet.mincount, fl, include_private."""
    params = call.params
    rows = as_natural(params, "rows", default=10, maximum=ROWS_MAX, refuse_above=True)
    start = as_natural(params, "start", default=0, maximum=LARGEST)
    sort = as_string(params, "sort").strip()
    if sort in ("", "rank"):
        sort = DEFAULT_SORT
    facet = as_bool(params, "facet", default=True)
    mincount = as_natural(params, "facet.mincount", default=1, maximum=LARGEST)
    facet_limit = _integer(params, "facet.limit", default=50)
    facet_fields = as_string_list(params, "facet.field", comma=False) or []
    fields = as_string_list(params, "fl", comma=True)
    for flag in ("include_private", "include_drafts", "include_deleted", "use_default_schema"):
        as_bool(params, flag, default=False)
    filters = [as_string(params, "fq"), *(as_string_list(params, "fq_list", comma=False) or [])]
    try:
        query = parse(as_string(params, "q"), SEARCH_SCHEMA)
        conditions = [query, *(parse(text, SEARCH_SCHEMA) for text in filters)]
        order = _sort_clauses(sort)
        for name in facet_fields:
            SEARCH_SCHEMA.type_of(name)
    except QueryError as error:
        raise SearchQueryError(str(error)) from None

    now = clock.now()
    hits: list[Hit] = []
    for package in _packages(call):
        found = document(package)
        if all(matches(node, found, SEARCH_SCHEMA, now=now) for node in conditions):
            hits.append((package, found))
    hits = _sorted(hits, order, query)
    page = [package for package, _ in hits[start : start + rows]]
    if fields:
        page = [{key: package[key] for key in fields if key in package} for package in page]
    facets = _facets(hits, facet_fields, mincount, facet_limit) if facet else {}
    return {
        "count": len(hits),
        "facets": facets,
        "search_facets": _search_facets(facets, [package for package, _ in hits]),
        "results": page,
        "sort": sort,
    }


def _integer(params: dict[str, Any], name: str, *, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    text = str(value).strip()
    negative = text.startswith("-")
    magnitude = as_natural({name: text.lstrip("-")}, name, default=default, maximum=LARGEST)
    return -magnitude if negative else magnitude


def _sort_clauses(sort: str) -> list[tuple[str, bool]]:
    order = []
    for clause in sort.split(","):
        parts = clause.split()
        if len(parts) != 2 or parts[1].lower() not in ("asc", "desc"):
            raise QueryError(
                f'Invalid "sort" parameter: write "field asc" or "field desc", '
                f"not {clause.strip()!r}"
            )
        name = parts[0]
        if name != "score" and name not in SORTABLE:
            raise QueryError(f'Invalid "sort" parameter: cannot sort by {name!r}')
        order.append((name, parts[1].lower() == "desc"))
    return order


Hit = tuple[dict[str, Any], dict[str, list[Any]]]


def _sorted(hits: list[Hit], order: list[tuple[str, bool]], query: Node) -> list[Hit]:
    ordered = sorted(hits, key=lambda hit: hit[0]["name"])
    # Python's sort is stable: sorting by the last clause first leaves the first one ruling.
    for name, descending in reversed(order):
        if name == "score":
            ordered.sort(key=lambda hit: score(query, hit[1], SEARCH_SCHEMA), reverse=descending)
        elif name == "title":
            ordered.sort(key=lambda hit: hit[0]["title"].lower(), reverse=descending)
        else:
            ordered.sort(key=lambda hit, name=name: hit[1][name][0], reverse=descending)  # type: ignore[misc]
    return ordered


def _facets(
    hits: list[Hit], names: list[str], mincount: int, limit: int
) -> dict[str, dict[str, int]]:
    facets: dict[str, dict[str, int]] = {}
    for name in names:
        counts = Counter(str(value) for _, found in hits for value in found.get(name, []))
        items = sorted(
            ((value, count) for value, count in counts.items() if count >= mincount),
            key=lambda item: (-item[1], item[0]),
        )
        facets[name] = dict(items if limit < 0 else items[:limit])
    return facets


def _search_facets(
    facets: dict[str, dict[str, int]], packages: list[dict[str, Any]]
) -> dict[str, Any]:
    titles = {
        package["organization"]["name"]: package["organization"]["title"] for package in packages
    }
    licences = {package["license_id"]: package["license_title"] for package in packages}
    shown: dict[str, Any] = {}
    for name, counts in facets.items():
        names = titles if name == "organization" else licences if name == "license_id" else {}
        items = [
            {"name": value, "display_name": names.get(value, value), "count": count}
            for value, count in counts.items()
        ]
        # CKAN lists facet items by display name, Z first.
        items.sort(key=lambda item: item["display_name"], reverse=True)
        shown[name] = {"title": name, "items": items}
    return shown


def _publishers() -> list[tuple[Organisation, list[Published]]]:
    grouped: dict[int, tuple[Organisation, list[Published]]] = {}
    for item in published_list():
        organisation = item.dataset.organisation
        grouped.setdefault(organisation.pk, (organisation, []))[1].append(item)
    return list(grouped.values())


def organization_list(call: Call) -> list[Any]:
    """The publishing organisation: names, or dicts with `all_fields`."""
    params = call.params
    all_fields = as_bool(params, "all_fields", default=False)
    limit = as_natural(params, "limit", default=LARGEST, maximum=LARGEST)
    offset = as_natural(params, "offset", default=0, maximum=LARGEST)
    wanted = as_string_list(params, "organizations", comma=True)
    as_string(params, "sort")
    found = [
        (organisation, items)
        for organisation, items in _publishers()
        if wanted is None or organisation.slug in wanted
    ][offset : offset + limit]
    if all_fields:
        return [organization_dict(organisation, items, full=True) for organisation, items in found]
    return [organisation.slug for organisation, _ in found]


def organization_show(call: Call) -> dict[str, Any]:
    """The publishing organisation by name or id; `include_datasets` adds its packages."""
    wanted = _required(call.params, "id")
    include_datasets = as_bool(call.params, "include_datasets", default=False)
    for organisation, items in _publishers():
        if wanted in (organisation.slug, organization_id(organisation)):
            shown = organization_dict(organisation, items, full=True)
            if include_datasets:
                shown["packages"] = [package_dict(item, call.absolute) for item in items]
            return shown
    raise NotFoundError("Organization was not found")


def group_list(call: Call) -> list[Any]:
    """Publica has no CKAN groups (themes are in each package's extras)."""
    return []


def group_show(call: Call) -> dict[str, Any]:
    """Publica has no CKAN groups, so every group is not found."""
    _required(call.params, "id")
    raise NotFoundError("Group was not found")


def tag_list(call: Call) -> list[str]:
    """Every tag any dataset has, by name."""
    return sorted({keyword for item in published_list() for keyword in item.definition.keywords})


def resource_show(call: Call) -> dict[str, Any]:
    """One download by its id."""
    wanted = _required(call.params, "id")
    try:
        item, resource = resource_get(wanted)
    except NotFound:
        raise NotFoundError("Resource was not found.") from None
    position = [entry.id for entry in item.resources()].index(resource.id)
    return resource_dict(item, resource, position, call.absolute)


def status_show(call: Call) -> dict[str, Any]:
    """The site and the CKAN version whose API it speaks."""
    publishers = _publishers()
    name = publishers[0][0].name if publishers else "Publica"
    return {
        "site_title": f"{name} open data",
        "site_description": "Open data published by Publica.",
        "site_url": call.absolute("/"),
        "ckan_version": CKAN_VERSION,
        "error_emails_to": None,
        "locale_default": "en",
        "extensions": ["datastore"],
    }


def help_show(call: Call) -> str:
    """What an action does (`name`)."""
    name = _required(call.params, "name")
    function = ACTIONS.get(name)
    if function is None:
        raise NotFoundError("Action function not found")
    return (function.__doc__ or "").strip()


def _refuse_write(call: Call) -> None:
    raise AuthorizationError("this catalogue is read-only; it is published from Publica's data")


ACTIONS: dict[str, Callable[[Call], Any]] = {
    "package_list": package_list,
    "package_show": package_show,
    "package_search": package_search,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "group_list": group_list,
    "group_show": group_show,
    "tag_list": tag_list,
    "resource_show": resource_show,
    "status_show": status_show,
    "help_show": help_show,
    "datastore_search": lambda call: datastore.search(
        call.params, path=call.path, query=call.query
    ),
}
ACTIONS["datastore_search"].__doc__ = datastore.search.__doc__


def action_for(name: str) -> Callable[[Call], Any] | None:
    if name in WRITE_ACTIONS:
        return _refuse_write
    return ACTIONS.get(name)

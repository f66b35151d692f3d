"""Publica's datasets as CKAN 2.10 describes them: package, resource and organization dicts,
and the search documents `package_search` matches its Solr-style queries against."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from publica.accounts.models import Organisation
from publica.opendata.ckan.query import FieldType, Schema
from publica.opendata.licences import licence
from publica.opendata.selectors import Published, Resource

__all__ = [
    "SEARCH_SCHEMA",
    "Absolute",
    "document",
    "organization_dict",
    "organization_id",
    "package_dict",
    "resource_dict",
    "timestamp",
]

#: Makes a site path absolute (the request's `build_absolute_uri`).
Absolute = Callable[[str], str]


THEMES = "http://publications.europa.eu/resource/authority/data-theme/"

# What package_search's q and fq may name, typed as in CKAN's Solr schema.
_FIELDS: dict[str, FieldType] = {
    "id": "string",
    "name": "string",
    "title": "text",
    "title_string": "string",
    "notes": "text",
    "text": "text",
    "tags": "string",
    "groups": "string",
    "organization": "string",
    "owner_org": "string",
    "license_id": "string",
    "license": "text",
    "res_format": "string",
    "res_name": "text",
    "res_description": "text",
    "res_url": "string",
    "url": "string",
    "author": "text",
    "maintainer": "text",
    "version": "string",
    "state": "string",
    "capacity": "string",
    "type": "string",
    "dataset_type": "string",
    "entity_type": "string",
    "site_id": "string",
    "metadata_created": "date",
    "metadata_modified": "date",
    "num_resources": "int",
    "num_tags": "int",
    "frequency": "string",
    "theme": "string",
    "row_count": "int",
}
SEARCH_SCHEMA = Schema(
    fields=_FIELDS,
    default=("name", "title", "tags", "text"),
    dynamic={"extras_": "text", "res_extras_": "text"},
)


def timestamp(value: dt.datetime | None) -> str | None:
    """CKAN's timestamp form: UTC, no offset, with microseconds."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def organization_id(organisation: Organisation) -> str:
    # Organisations have integer keys; CKAN clients expect a uuid, stable across rebuilds.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"publica:organisation:{organisation.slug}"))


def organization_dict(
    organisation: Organisation, datasets: list[Published], *, full: bool = False
) -> dict[str, Any]:
    """The organization as a package embeds it, or (`full`) as organization_show and
    organization_list with all_fields answer."""
    created = min((item.dataset.created_at for item in datasets), default=None)
    summary: dict[str, Any] = {
        "id": organization_id(organisation),
        "name": organisation.slug,
        "title": organisation.name,
        "type": "organization",
        "description": "",
        "image_url": "",
        "created": timestamp(created),
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
    }
    if not full:
        return summary
    return {
        **summary,
        "display_name": organisation.name,
        "image_display_url": "",
        "package_count": len(datasets),
        "num_followers": 0,
        "extras": [],
        "groups": [],
        "tags": [],
        "users": [],
    }


def _licence(spdx: str) -> tuple[str, str, str, bool]:
    """CKAN's id, title and page for the licence, and whether it is a known open licence."""
    known = licence(spdx)
    return known.ckan_id or spdx, known.title, known.url, bool(known.ckan_id)


def resource_dict(item: Published, resource: Resource, position: int, absolute: Absolute) -> dict:
    modified = timestamp(item.dataset.modified_at)
    return {
        "id": resource.id,
        "package_id": item.id,
        "name": f"{item.title} ({resource.format})",
        "description": f"Every row of {item.title.lower()}, as {resource.format}.",
        "format": resource.format,
        "mimetype": resource.media_type,
        "mimetype_inner": None,
        "url": absolute(resource.url),
        "url_type": None,
        "resource_type": None,
        "position": position,
        "state": "active",
        "created": timestamp(item.dataset.created_at),
        "metadata_modified": modified,
        "last_modified": timestamp(item.dataset.built_at) or modified,
        "size": None,
        "hash": "",
        "cache_url": None,
        "cache_last_updated": None,
        "datastore_active": resource.datastore_active,
    }


def package_dict(item: Published, absolute: Absolute) -> dict[str, Any]:
    """The dataset as CKAN 2.10's package_show returns it, complete enough that a
    harvesting CKAN can create its copy from it unchanged."""
    record, definition = item.dataset, item.definition
    organisation = record.organisation
    licence_id, licence_title, licence_url, is_open = _licence(record.licence)
    resources = [
        resource_dict(item, resource, position, absolute)
        for position, resource in enumerate(item.resources())
    ]
    tags = [_tag(keyword) for keyword in definition.keywords]
    return {
        "id": item.id,
        "name": item.name,
        "title": item.title,
        "notes": item.description,
        "type": "dataset",
        "state": "active",
        "private": False,
        "license_id": licence_id,
        "license_title": licence_title,
        "license_url": licence_url,
        "isopen": is_open,
        "metadata_created": timestamp(record.created_at),
        "metadata_modified": timestamp(record.modified_at),
        "owner_org": organization_id(organisation),
        "organization": organization_dict(organisation, [item]),
        "author": organisation.name,
        "author_email": organisation.contact_email or None,
        "maintainer": organisation.name,
        "maintainer_email": organisation.contact_email or None,
        "url": absolute(item.get_absolute_url()),
        "version": None,
        "creator_user_id": None,
        "resources": resources,
        "num_resources": len(resources),
        "tags": tags,
        "num_tags": len(tags),
        "groups": [],
        "extras": [
            {"key": "frequency", "value": definition.frequency},
            {"key": "theme", "value": definition.theme},
            {"key": "theme_uri", "value": THEMES + definition.theme},
            {"key": "row_count", "value": str(record.row_count)},
        ],
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }


def _tag(keyword: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"publica:tag:{keyword}")),
        "name": keyword,
        "display_name": keyword,
        "state": "active",
        "vocabulary_id": None,
    }


def document(package: dict[str, Any]) -> dict[str, list[Any]]:
    """What package_search matches a package by: its fields as CKAN indexes them in Solr."""
    resources = package["resources"]
    organization = package["organization"]
    extras = {extra["key"]: extra["value"] for extra in package["extras"]}
    found: dict[str, list[Any]] = {
        "id": [package["id"]],
        "name": [package["name"]],
        "title": [package["title"]],
        "title_string": [package["title"]],
        "notes": [package["notes"]],
        "tags": [tag["name"] for tag in package["tags"]],
        "groups": [],
        "organization": [organization["name"]],
        "owner_org": [package["owner_org"]],
        "license_id": [package["license_id"]],
        "license": [package["license_title"]],
        "res_format": [resource["format"] for resource in resources],
        "res_name": [resource["name"] for resource in resources],
        "res_description": [resource["description"] for resource in resources],
        "res_url": [resource["url"] for resource in resources],
        "url": [package["url"]],
        "author": [package["author"]],
        "maintainer": [package["maintainer"]],
        "version": [],
        "state": [package["state"]],
        "capacity": ["public"],
        "type": [package["type"]],
        "dataset_type": [package["type"]],
        "entity_type": ["package"],
        "site_id": ["publica"],
        "metadata_created": [_parse(package["metadata_created"])],
        "metadata_modified": [_parse(package["metadata_modified"])],
        "num_resources": [package["num_resources"]],
        "num_tags": [package["num_tags"]],
        "frequency": [extras["frequency"]],
        "theme": [extras["theme"]],
        "row_count": [int(extras["row_count"])],
    }
    for key, value in extras.items():
        found[f"extras_{key}"] = [value]
    found["text"] = [
        " ".join(
            str(value)
            for name in ("name", "title", "notes", "tags", "license", "res_name", "res_format")
            for value in found[name]
        )
        + f" {organization['name']} {organization['title']} "
        + " ".join(extras.values())
    ]
    return found


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)

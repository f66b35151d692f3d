"""Entities as SensorThings JSON: `@iot.id`, `@iot.selfLink`, navigation links, `$expand`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import Model

from publica.sensors.entities import ENTITY_SETS, EntityType, Property
from publica.sensors.filters import FilterError
from publica.sensors.queryoptions import Expand, QueryOptions
from publica.sensors.selectors import collection_page
from publica.sensors.values import format_interval, format_time, joined_result

__all__ = ["PAGE_SIZE", "property_value", "render_collection", "render_entity", "self_link"]

PAGE_SIZE = 100
_SAFE = "$(),/;='"  # keep query options readable in next links


def self_link(base: str, entity: EntityType, pk: int) -> str:
    return f"{base}{entity.set_name}({pk})"


def property_value(instance: Model, prop: Property) -> Any:
    if prop.kind == "result":
        return joined_result(instance.value, instance.result)  # type: ignore[attr-defined]
    if prop.kind == "interval":
        end_field = prop.field.replace("_start", "") + "_end"
        return format_interval(getattr(instance, prop.field), getattr(instance, end_field, None))
    if prop.kind == "time":
        return format_time(getattr(instance, prop.field))
    return getattr(instance, prop.field)


def _merged(expands: tuple[Expand, ...]) -> dict[str, Expand]:
    """`Datastreams/Sensor,Datastreams/Thing` expands Datastreams once, with both inside."""
    merged: dict[str, Expand] = {}
    for item in expands:
        if item.navigation in merged:
            before = merged[item.navigation]
            options = QueryOptions(
                **{**before.options.__dict__, "expand": before.options.expand + item.options.expand}
            )
            merged[item.navigation] = Expand(item.navigation, options)
        else:
            merged[item.navigation] = item
    return merged


def render_entity(
    instance: Model, entity: EntityType, options: QueryOptions, base: str
) -> dict[str, Any]:
    selected = options.select
    link = self_link(base, entity, instance.pk)
    body: dict[str, Any] = {}
    if selected is None or "id" in selected:
        body["@iot.id"] = instance.pk
    if selected is None:
        body["@iot.selfLink"] = link
    for prop in entity.properties:
        if selected is None or prop.name in selected:
            body[prop.name] = property_value(instance, prop)
    expands = _merged(options.expand)
    for navigation in entity.navigations:
        if navigation.name in expands:
            continue
        if selected is None or navigation.name in selected:
            body[f"{navigation.name}@iot.navigationLink"] = f"{link}/{navigation.name}"
    for name, item in expands.items():
        found = entity.navigation(name)
        if found is None:
            raise FilterError(f"$expand: {entity.singular} has no navigation property {name!r}")
        target = ENTITY_SETS[found.target]
        if found.many:
            related = getattr(instance, found.accessor).all()
            rows, total, more = collection_page(related, target, item.options, page_size=PAGE_SIZE)
            body[name] = [render_entity(row, target, item.options, base) for row in rows]
            if total is not None:
                body[f"{name}@iot.count"] = total
            if more:
                body[f"{name}@iot.nextLink"] = _next_link(
                    f"{link}/{name}", item.options, len(rows), {}
                )
        else:
            one = getattr(instance, found.accessor)
            body[name] = None if one is None else render_entity(one, target, item.options, base)
    return body


def render_collection(
    rows: list[Model],
    entity: EntityType,
    options: QueryOptions,
    base: str,
    *,
    url: str,
    total: int | None,
    more: bool,
    params: dict[str, str],
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if total is not None:
        body["@iot.count"] = total
    if more:
        body["@iot.nextLink"] = _next_link(url, options, len(rows), params)
    body["value"] = [render_entity(row, entity, options, base) for row in rows]
    return body


def _next_link(url: str, options: QueryOptions, shown: int, params: dict[str, str]) -> str:
    query = dict(params)
    query["$skip"] = str(options.skip + shown)
    query["$top"] = str(options.top if options.top is not None else shown)
    return f"{url}?{urlencode(query, safe=_SAFE)}"

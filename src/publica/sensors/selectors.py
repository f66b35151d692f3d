"""Reads: follow an STA resource path to entities, and query collections with the options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet

from publica.core.errors import NotFound
from publica.sensors import models
from publica.sensors.entities import ENTITY_SETS, EntityType
from publica.sensors.filters import FilterError, apply_filter, field_path
from publica.sensors.paths import PathError, ResourcePath
from publica.sensors.queryoptions import QueryOptions

__all__ = ["MODELS", "Resolved", "collection_page", "entity_get", "public_observations", "resolve"]

MODELS: dict[str, type[Model]] = {
    "Things": models.Thing,
    "Locations": models.Location,
    "HistoricalLocations": models.HistoricalLocation,
    "Sensors": models.Sensor,
    "ObservedProperties": models.ObservedProperty,
    "Datastreams": models.Datastream,
    "Observations": models.Observation,
    "FeaturesOfInterest": models.FeatureOfInterest,
}


@dataclass
class Resolved:
    """What a path names: one entity (`instance`) or a collection (`queryset`), of `entity`.
    `parent` and `navigation` say which entity a collection hangs off, for POSTs to it."""

    entity: EntityType
    instance: Model | None = None
    queryset: QuerySet[Model] | None = None
    parent: Model | None = None
    navigation: str | None = None


def entity_get(entity: EntityType, pk: int) -> Model:
    found = MODELS[entity.set_name]._default_manager.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"no {entity.singular} with @iot.id {pk}")
    return found


def resolve(path: ResourcePath) -> Resolved:
    """Raises PathError for a path the data model does not have, NotFound for missing ids."""
    first = path.segments[0]
    entity = ENTITY_SETS.get(first.name)
    if entity is None:
        raise PathError(f"{first.name!r} is not an entity set; use one of {', '.join(ENTITY_SETS)}")
    if first.id is None:
        resolved = Resolved(entity, queryset=MODELS[entity.set_name]._default_manager.all())
    else:
        resolved = Resolved(entity, instance=entity_get(entity, first.id))
    for segment in path.segments[1:]:
        if resolved.instance is None:
            raise PathError(f"{segment.name}: name one {resolved.entity.singular} by its id first")
        navigation = resolved.entity.navigation(segment.name)
        if navigation is None:
            raise PathError(
                f"{resolved.entity.singular} has no navigation property {segment.name!r}"
            )
        target = ENTITY_SETS[navigation.target]
        if navigation.many:
            related: QuerySet[Model] = getattr(resolved.instance, navigation.accessor).all()
            if segment.id is not None:
                found = related.filter(pk=segment.id).first()
                if found is None:
                    raise NotFound(f"no {target.singular} with @iot.id {segment.id} here")
                resolved = Resolved(target, instance=found)
            else:
                resolved = Resolved(
                    target, queryset=related, parent=resolved.instance, navigation=navigation.name
                )
        else:
            if segment.id is not None:
                raise PathError(f"{segment.name} is a single entity; give no id")
            one = getattr(resolved.instance, navigation.accessor)
            if one is None:
                raise NotFound(f"this {resolved.entity.singular} has no {segment.name}")
            resolved = Resolved(target, instance=one)
    if path.property is not None:
        owner = resolved.entity
        if resolved.instance is None:
            raise PathError(f"{path.property}: name one {owner.singular} by its id first")
        if path.property != "id" and owner.property(path.property) is None:
            raise PathError(f"{owner.singular} has no property {path.property!r}")
    return resolved


def ordered_filtered(
    queryset: QuerySet[Model], entity: EntityType, options: QueryOptions
) -> QuerySet[Model]:
    if options.filter:
        queryset = apply_filter(queryset, entity, options.filter)
    order: list[Any] = []
    for item in options.orderby:
        try:
            name = field_path(entity, item.property.split("/"))
        except FilterError as exc:
            raise FilterError(f"$orderby: {exc}") from exc
        order.append(f"-{name}" if item.descending else name)
    return queryset.order_by(*order, "pk")


def collection_page(
    queryset: QuerySet[Model], entity: EntityType, options: QueryOptions, *, page_size: int
) -> tuple[list[Model], int | None, bool]:
    """(rows, total when $count=true, whether more rows follow)."""
    queryset = ordered_filtered(queryset, entity, options)
    total = queryset.count() if options.count else None
    top = page_size if options.top is None else min(options.top, page_size)
    window = list(queryset[options.skip : options.skip + top + 1])
    more = len(window) > top
    return window[:top], total, more


def public_observations() -> QuerySet[models.Observation]:
    """The readings of Datastreams the council publishes as open data."""
    return models.Observation.objects.filter(datastream__public=True)

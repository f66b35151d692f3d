"""The SensorThings 1.1 data model as a table: entity sets, their properties and navigation.

Pure data, no Django: the selectors, services and views read it to map STA names (camelCase
properties, navigation properties) onto model fields and relations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ENTITY_SETS", "EntityType", "Navigation", "Property", "by_singular"]


@dataclass(frozen=True)
class Property:
    """`kind` says how a JSON value is checked and stored: `text`, `object` (a JSON object),
    `any` (any JSON), `time` (an instant), `interval` (an instant or `start/end`), `result`."""

    name: str
    field: str
    kind: str = "text"
    required: bool = False


@dataclass(frozen=True)
class Navigation:
    """A link to `target` (an entity set); `accessor` is the model attribute that follows
    it and `inverse` the navigation property on the other side."""

    name: str
    target: str
    many: bool
    accessor: str
    inverse: str
    required: bool = False


@dataclass(frozen=True)
class EntityType:
    set_name: str
    singular: str
    properties: tuple[Property, ...]
    navigations: tuple[Navigation, ...] = field(default=())

    def property(self, name: str) -> Property | None:
        return next((p for p in self.properties if p.name == name), None)

    def navigation(self, name: str) -> Navigation | None:
        return next((n for n in self.navigations if n.name == name), None)


def _described(*extra: Property, encoded: bool = False) -> tuple[Property, ...]:
    common = [Property("name", "name", required=True)]
    common.append(Property("description", "description", required=True))
    if encoded:
        common.append(Property("encodingType", "encoding_type", required=True))
    return (*common, *extra, Property("properties", "properties", "object"))


_ENTITY_TYPES = (
    EntityType(
        "Things",
        "Thing",
        _described(),
        (
            Navigation("Locations", "Locations", True, "locations", "Things"),
            Navigation(
                "HistoricalLocations", "HistoricalLocations", True, "historical_locations", "Thing"
            ),
            Navigation("Datastreams", "Datastreams", True, "datastreams", "Thing"),
        ),
    ),
    EntityType(
        "Locations",
        "Location",
        _described(Property("location", "location", "object", required=True), encoded=True),
        (
            Navigation("Things", "Things", True, "things", "Locations"),
            Navigation(
                "HistoricalLocations",
                "HistoricalLocations",
                True,
                "historical_locations",
                "Locations",
            ),
        ),
    ),
    EntityType(
        "HistoricalLocations",
        "HistoricalLocation",
        (Property("time", "time", "time", required=True),),
        (
            Navigation("Thing", "Things", False, "thing", "HistoricalLocations", required=True),
            Navigation("Locations", "Locations", True, "locations", "HistoricalLocations"),
        ),
    ),
    EntityType(
        "Sensors",
        "Sensor",
        _described(Property("metadata", "metadata", "any", required=True), encoded=True),
        (Navigation("Datastreams", "Datastreams", True, "datastreams", "Sensor"),),
    ),
    EntityType(
        "ObservedProperties",
        "ObservedProperty",
        (
            Property("name", "name", required=True),
            Property("definition", "definition", required=True),
            Property("description", "description", required=True),
            Property("properties", "properties", "object"),
        ),
        (Navigation("Datastreams", "Datastreams", True, "datastreams", "ObservedProperty"),),
    ),
    EntityType(
        "Datastreams",
        "Datastream",
        _described(
            Property("unitOfMeasurement", "unit_of_measurement", "object", required=True),
            Property("observationType", "observation_type", required=True),
            Property("observedArea", "observed_area", "object"),
            Property("phenomenonTime", "phenomenon_time_start", "interval"),
            Property("resultTime", "result_time_start", "interval"),
        ),
        (
            Navigation("Thing", "Things", False, "thing", "Datastreams", required=True),
            Navigation("Sensor", "Sensors", False, "sensor", "Datastreams", required=True),
            Navigation(
                "ObservedProperty",
                "ObservedProperties",
                False,
                "observed_property",
                "Datastreams",
                required=True,
            ),
            Navigation("Observations", "Observations", True, "observations", "Datastream"),
        ),
    ),
    EntityType(
        "Observations",
        "Observation",
        (
            Property("phenomenonTime", "phenomenon_time", "interval"),
            Property("resultTime", "result_time", "time"),
            Property("result", "value", "result", required=True),
            Property("resultQuality", "result_quality", "any"),
            Property("validTime", "valid_time_start", "interval"),
            Property("parameters", "parameters", "object"),
        ),
        (
            Navigation("Datastream", "Datastreams", False, "datastream", "Observations", True),
            Navigation(
                "FeatureOfInterest",
                "FeaturesOfInterest",
                False,
                "feature_of_interest",
                "Observations",
            ),
        ),
    ),
    EntityType(
        "FeaturesOfInterest",
        "FeatureOfInterest",
        _described(Property("feature", "feature", "object", required=True), encoded=True),
        (Navigation("Observations", "Observations", True, "observations", "FeatureOfInterest"),),
    ),
)

ENTITY_SETS: dict[str, EntityType] = {t.set_name: t for t in _ENTITY_TYPES}


def by_singular(name: str) -> EntityType | None:
    return next((t for t in _ENTITY_TYPES if t.singular == name), None)

"""The demo town's sensors: bins, streetlights, a river gauge, air quality and traffic counters
around Millbrook, created through the SensorThings services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from publica.core.actors import Actor
from publica.sensors import services
from publica.sensors.entities import ENTITY_SETS
from publica.sensors.models import Datastream, ObservedProperty, Thing

__all__ = ["DEMO_THINGS", "DemoStream", "DemoThing", "demo_datastreams", "load_demo_things"]

MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
COUNT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation"
UCUM = "http://unitsofmeasure.org/ucum.html"


@dataclass(frozen=True)
class DemoStream:
    """One Datastream of a demo thing; `key` names it for the simulator (`bin-mill-lane:fill`)."""

    measure: str  # fill, power, level, no2, pm25, vehicles
    name: str
    unit: dict[str, str]
    property_name: str
    definition: str
    observation_type: str = MEASUREMENT


@dataclass(frozen=True)
class DemoThing:
    key: str
    kind: str  # bin, streetlight, river, air, traffic
    name: str
    description: str
    latitude: float
    longitude: float
    sensor: str
    streams: tuple[DemoStream, ...]


MICROGRAMS = {
    "name": "microgram per cubic metre",
    "symbol": "µg/m³",
    "definition": f"{UCUM}#ug/m3",
}
PERCENT = {"name": "percent", "symbol": "%", "definition": f"{UCUM}#para-29"}
FILL = DemoStream(
    "fill", "Fill level", PERCENT, "Fill level", "https://publica.example/def/fill-level"
)
POWER = DemoStream(
    "power",
    "Power draw",
    {"name": "watt", "symbol": "W", "definition": f"{UCUM}#W"},
    "Electric power",
    "http://dbpedia.org/resource/Electric_power",
)
LEVEL = DemoStream(
    "level",
    "River level",
    {"name": "metre", "symbol": "m", "definition": f"{UCUM}#m"},
    "Water level",
    "http://dbpedia.org/resource/Stage_(hydrology)",
)
NO2 = DemoStream(
    "no2",
    "Nitrogen dioxide",
    MICROGRAMS,
    "NO2 concentration",
    "http://dbpedia.org/resource/Nitrogen_dioxide",
)
PM25 = DemoStream(
    "pm25",
    "Fine particles (PM2.5)",
    MICROGRAMS,
    "PM2.5 concentration",
    "http://dbpedia.org/resource/Particulates",
)
VEHICLES = DemoStream(
    "vehicles",
    "Vehicles",
    {
        "name": "vehicles per 5 minutes",
        "symbol": "vehicles/5 min",
        "definition": "https://publica.example/def/vehicles-per-5-min",
    },
    "Traffic count",
    "http://dbpedia.org/resource/Traffic_count",
    COUNT,
)


def _bin(key: str, name: str, lat: float, lon: float) -> DemoThing:
    return DemoThing(
        key,
        "bin",
        f"Litter bin, {name}",
        f"Smart litter bin at {name}",
        lat,
        lon,
        "BinSense ultrasonic fill sensor",
        (FILL,),
    )


def _light(key: str, name: str, lat: float, lon: float) -> DemoThing:
    return DemoThing(
        key,
        "streetlight",
        f"Streetlight, {name}",
        f"LED streetlight on {name}",
        lat,
        lon,
        "Lumen node power meter",
        (POWER,),
    )


DEMO_THINGS: tuple[DemoThing, ...] = (
    _bin("bin-market-square", "Market Square", 52.0311, -0.9874),
    _bin("bin-mill-lane", "Mill Lane", 52.0336, -0.9921),
    _bin("bin-church-street", "Church Street", 52.0298, -0.9842),
    _bin("bin-riverside-park", "Riverside Park", 52.0262, -0.9805),
    _bin("bin-station-road", "Station Road", 52.0357, -0.9768),
    _bin("bin-high-street", "High Street", 52.0320, -0.9890),
    _light("light-orchard-close", "Orchard Close", 52.0371, -0.9950),
    _light("light-bridge-street", "Bridge Street", 52.0279, -0.9861),
    _light("light-school-lane", "School Lane", 52.0345, -0.9832),
    _light("light-kings-road", "Kings Road", 52.0250, -0.9912),
    DemoThing(
        "river-town-bridge",
        "river",
        "River gauge, Town Bridge",
        "Level of the Mill Brook under Town Bridge",
        52.0271,
        -0.9829,
        "HydroStage radar level sensor",
        (LEVEL,),
    ),
    DemoThing(
        "air-market-square",
        "air",
        "Air quality, Market Square",
        "Air quality station by the market cross",
        52.0309,
        -0.9879,
        "AirNode multi-gas sensor",
        (NO2, PM25),
    ),
    DemoThing(
        "air-ring-road",
        "air",
        "Air quality, Ring Road roundabout",
        "Air quality station at the Ring Road roundabout",
        52.0384,
        -0.9735,
        "AirNode multi-gas sensor",
        (NO2, PM25),
    ),
    DemoThing(
        "traffic-london-road",
        "traffic",
        "Traffic counter, London Road",
        "Inductive loop counter, both directions",
        52.0240,
        -0.9790,
        "LoopCount traffic counter",
        (VEHICLES,),
    ),
    DemoThing(
        "traffic-bypass",
        "traffic",
        "Traffic counter, Millbrook bypass",
        "Radar counter on the A-road bypass",
        52.0401,
        -0.9990,
        "LoopCount traffic counter",
        (VEHICLES,),
    ),
)


def _thing_document(thing: DemoThing, properties: dict[str, int]) -> dict[str, Any]:
    """The Thing as a deep insert; each ObservedProperty made once and then linked by id, so
    rules can name it ("Fill level") for every bin at once."""
    return {
        "name": thing.name,
        "description": thing.description,
        "properties": {"publica_demo": thing.key, "kind": thing.kind},
        "Locations": [
            {
                "name": thing.name,
                "description": thing.description,
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [thing.longitude, thing.latitude]},
            }
        ],
        "Datastreams": [
            {
                "name": f"{stream.name}, {thing.name}",
                "description": f"{stream.name} measured by {thing.sensor}",
                "observationType": stream.observation_type,
                "unitOfMeasurement": stream.unit,
                "properties": {
                    "publica_demo": f"{thing.key}:{stream.measure}",
                    "kind": thing.kind,
                    "measure": stream.measure,
                },
                "Sensor": {
                    "name": thing.sensor,
                    "description": thing.sensor,
                    "encodingType": "text/html",
                    "metadata": "https://publica.example/demo/sensors",
                },
                "ObservedProperty": (
                    {"@iot.id": properties[stream.property_name]}
                    if stream.property_name in properties
                    else {
                        "name": stream.property_name,
                        "definition": stream.definition,
                        "description": stream.property_name,
                    }
                ),
            }
            for stream in thing.streams
        ],
    }


@transaction.atomic
def load_demo_things(*, actor: Actor) -> list[Datastream]:
    """Create the demo things that are missing (found by `properties.publica_demo`); safe to
    run again. Returns every demo Datastream, in the order of DEMO_THINGS."""
    for thing in DEMO_THINGS:
        if not Thing.objects.filter(properties__publica_demo=thing.key).exists():
            names = {stream.property_name for stream in thing.streams}
            known = dict(
                ObservedProperty.objects.filter(name__in=names)
                .order_by("pk")
                .values_list("name", "pk")
            )
            services.entity_create(
                entity=ENTITY_SETS["Things"], data=_thing_document(thing, known), actor=actor
            )
    return demo_datastreams()


def demo_datastreams() -> list[Datastream]:
    """The demo Datastreams already in the database, in the order of DEMO_THINGS."""
    order = [f"{thing.key}:{stream.measure}" for thing in DEMO_THINGS for stream in thing.streams]
    found = {
        (stream.properties or {})["publica_demo"]: stream
        for stream in Datastream.objects.filter(properties__publica_demo__in=order).select_related(
            "thing"
        )
    }
    return [found[key] for key in order if key in found]

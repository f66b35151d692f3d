"""The FROST project's own Python client works against Publica unchanged."""

from __future__ import annotations

import frost_sta_client as fsc
import pytest

from publica.sensors.tests.conftest import make_key


@pytest.fixture
def service(live_server, transactional_db: None, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    key = make_key(monkeypatch, ["sensors:write"])
    # frost_sta_client sends Basic auth; Publica reads the API key from the password.
    return fsc.SensorThingsService(
        f"{live_server.url}/sta/v1.1", auth_handler=fsc.AuthHandler(username="key", password=key)
    )


def test_frost_client_creates_a_thing_posts_observations_and_reads_them_back(service) -> None:  # type: ignore[no-untyped-def]
    location = fsc.Location(
        name="Town hall",
        description="Roof",
        encoding_type="application/geo+json",
        location={"type": "Point", "coordinates": [4.9, 52.37]},
    )
    datastream = fsc.Datastream(
        name="Air temperature",
        description="Every minute",
        observation_type="http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        unit_of_measurement=fsc.UnitOfMeasurement(name="degree Celsius", symbol="degC"),
        sensor=fsc.Sensor(
            name="DS18B20", description="Thermometer", encoding_type="text/html", metadata="x"
        ),
        observed_property=fsc.ObservedProperty(
            name="Temperature", definition="http://dbpedia.org/page/Temperature", description="t"
        ),
    )
    thing = fsc.Thing(
        name="Station", description="d", locations=[location], datastreams=[datastream]
    )
    service.create(thing)
    assert isinstance(thing.id, int)

    stream = service.things().find(thing.id).get_datastreams().query().list().entities[0]
    for minute, value in enumerate([20.5, 21.0, 21.5]):
        service.create(
            fsc.Observation(
                result=value, phenomenon_time=f"2024-05-01T10:0{minute}:00Z", datastream=stream
            )
        )

    observations = (
        service.datastreams()
        .find(stream.id)
        .get_observations()
        .query()
        .orderby("phenomenonTime", "ASC")
        .list()
        .entities
    )
    assert [o.result for o in observations] == [20.5, 21.0, 21.5]
    assert observations[0].phenomenon_time.startswith("2024-05-01T10:00:00")

    observation = observations[0]
    service.observations().patch(observation, [{"op": "replace", "path": "/result", "value": 19}])
    assert service.observations().find(observation.id).result == 19
    found = service.things().query().filter("name eq 'Station'").list().entities
    assert [t.id for t in found] == [thing.id]

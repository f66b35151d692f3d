"""The demo simulator: the shape of each model's readings, the faults, and the demo things."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from publica.core.actors import SystemActor
from publica.sensors import simulate
from publica.sensors.demo import DEMO_THINGS, load_demo_things
from publica.sensors.models import Datastream, Observation, Thing
from publica.sensors.simulate import Scenario, Stream, value_at

# A Monday at midnight, Millbrook time (UTC in winter).
START = datetime(2025, 1, 6, 0, 0, tzinfo=UTC)
SCENARIO = Scenario(start=START)


def series(key: str, hours: float, step_minutes: int = 15) -> list[tuple[datetime, float | None]]:
    steps = int(hours * 60 / step_minutes)
    moments = [START + timedelta(minutes=step_minutes * n) for n in range(steps)]
    return [(moment, value_at(key, moment, SCENARIO)) for moment in moments]


def test_readings_are_the_same_for_the_same_seed_and_differ_for_another() -> None:
    moment = START + timedelta(hours=9)
    again = value_at("air-market-square:no2", moment, Scenario(start=START))
    assert value_at("air-market-square:no2", moment, SCENARIO) == again
    other = value_at("air-market-square:no2", moment, Scenario(start=START, seed=99))
    assert other != again


def test_a_bin_fills_up_and_is_emptied_on_collection_day() -> None:
    key = "bin-mill-lane:fill"
    readings = series(key, hours=24 * 7, step_minutes=60)
    values = [value for _, value in readings]
    assert all(value is not None and 0 <= value <= 100 for value in values)
    drops = [
        (moment, before, after)
        for (_, before), (moment, after) in itertools.pairwise(readings)
        if before - after > 20  # type: ignore[operator]
    ]
    assert len(drops) == 2  # two collections a week
    for moment, _, after in drops:
        assert moment.hour == simulate.COLLECTION_HOUR
        assert after < 10
    # Between collections it only rises (give or take sensor noise).
    assert max(values) > 60


def test_streetlights_draw_power_at_night_and_the_failing_one_goes_dark() -> None:
    midnight, noon = START + timedelta(hours=1), START + timedelta(hours=12)
    assert value_at("light-bridge-street:power", midnight, SCENARIO) > 30
    assert value_at("light-bridge-street:power", noon, SCENARIO) < 1
    # Orchard Close fails 6 hours in: lit the first night, dark the next.
    assert value_at("light-orchard-close:power", midnight, SCENARIO) > 30
    next_night = START + timedelta(hours=23)
    assert value_at("light-orchard-close:power", next_night, SCENARIO) == 0
    assert value_at("light-bridge-street:power", next_night, SCENARIO) > 30


def test_the_storm_raises_the_river_and_it_falls_again() -> None:
    key = "river-town-bridge:level"
    before = value_at(key, START, SCENARIO)
    peak = value_at(key, START + SCENARIO.storm_peak_after, SCENARIO)
    after = value_at(key, START + SCENARIO.storm_peak_after + timedelta(hours=48), SCENARIO)
    assert before < 0.6
    assert peak > before + 1.5
    assert after < 0.7
    rising = [v for _, v in series(key, hours=18)]
    assert rising[-1] > rising[len(rising) // 2] > rising[0]


def test_air_quality_follows_the_day_with_a_morning_peak() -> None:
    key = "air-market-square:no2"
    night = [
        value_at(key, START + timedelta(hours=3, minutes=m), SCENARIO) for m in range(0, 60, 5)
    ]
    rush = [value_at(key, START + timedelta(hours=8, minutes=m), SCENARIO) for m in range(0, 60, 5)]
    assert sum(rush) / len(rush) > 2 * sum(night) / len(night)  # type: ignore[arg-type]
    assert len(set(rush)) > 1  # noisy, not flat


def test_traffic_has_rush_hours_and_counts_whole_vehicles() -> None:
    key = "traffic-london-road:vehicles"
    at_eight = value_at(key, START + timedelta(hours=8), SCENARIO)
    at_three = value_at(key, START + timedelta(hours=3), SCENARIO)
    assert isinstance(at_eight, int) and isinstance(at_three, int)
    assert at_eight > 4 * max(at_three, 1)


def test_the_stuck_sensor_repeats_one_value() -> None:
    values = [
        v
        for moment, v in series("air-ring-road:pm25", hours=8)
        if moment >= START + timedelta(hours=2)
    ]
    assert len(values) > 10
    assert len(set(values)) == 1
    healthy = [v for _, v in series("air-market-square:pm25", hours=8)]
    assert len(set(healthy)) > 10


def test_the_silent_sensor_stops_sending() -> None:
    readings = series("traffic-bypass:vehicles", hours=6)
    sent = [moment for moment, value in readings if value is not None]
    assert sent and max(sent) < START + timedelta(hours=3)
    assert len(sent) < len(readings)


def test_faults_can_be_switched_off() -> None:
    healthy = Scenario(start=START, faults={})
    assert value_at("traffic-bypass:vehicles", START + timedelta(hours=5), healthy) is not None


def test_ticks_give_each_stream_a_reading_per_interval_and_leave_out_the_silent_one() -> None:
    streams = [Stream(1, "bin-mill-lane:fill"), Stream(2, "traffic-bypass:vehicles")]
    ticks = list(simulate.ticks(streams, SCENARIO, interval=timedelta(hours=1), count=5))
    assert [moment for moment, _ in ticks] == [START + timedelta(hours=n) for n in range(5)]
    assert [len(readings) for _, readings in ticks] == [2, 2, 2, 1, 1]
    by_duration = list(
        simulate.ticks(
            streams, SCENARIO, interval=timedelta(minutes=30), duration=timedelta(hours=2)
        )
    )
    assert len(by_duration) == 4


def test_simulate_paces_ticks_by_the_speedup() -> None:
    class Collect:
        def __init__(self) -> None:
            self.batches: list[int] = []

        def send(self, readings: object) -> None:
            self.batches.append(len(readings))  # type: ignore[arg-type]

        def flush(self) -> None:
            pass

        def close(self) -> None:
            pass

    slept: list[float] = []
    transport = Collect()
    sent = simulate.simulate(
        [Stream(1, "bin-mill-lane:fill")],
        transport=transport,
        scenario=SCENARIO,
        interval=timedelta(minutes=5),
        count=3,
        speedup=60,
        sleep=slept.append,
        monotonic=lambda: 0.0,
    )
    assert sent == 3 and transport.batches == [1, 1, 1]
    assert slept == [0.0, 5.0, 10.0]  # 5 simulated minutes = 5 seconds at 60 times


def test_an_unknown_stream_is_refused() -> None:
    with pytest.raises(ValueError, match="no simulation model"):
        value_at("kettle-staff-room:temperature", START, SCENARIO)


def test_data_arrays_group_readings_by_datastream() -> None:
    readings = [
        simulate.Reading(1, "a", START, 1.5),
        simulate.Reading(2, "b", START, 7),
        simulate.Reading(1, "a", START + timedelta(minutes=5), 2.5),
    ]
    body = simulate.data_arrays(readings)
    assert body == [
        {
            "Datastream": {"@iot.id": 1},
            "components": ["phenomenonTime", "result"],
            "dataArray": [["2025-01-06T00:00:00+00:00", 1.5], ["2025-01-06T00:05:00+00:00", 2.5]],
        },
        {
            "Datastream": {"@iot.id": 2},
            "components": ["phenomenonTime", "result"],
            "dataArray": [["2025-01-06T00:00:00+00:00", 7]],
        },
    ]


# ---------------------------------------------------------------------------- with the database


@pytest.mark.django_db
def test_loading_the_demo_things_twice_creates_them_once() -> None:
    actor = SystemActor("tests")
    first = load_demo_things(actor=actor)
    second = load_demo_things(actor=actor)
    assert [ds.pk for ds in first] == [ds.pk for ds in second]
    assert Thing.objects.count() == len(DEMO_THINGS) == 15
    assert len(first) == sum(len(thing.streams) for thing in DEMO_THINGS) == 17
    kinds = {thing.kind for thing in DEMO_THINGS}
    assert kinds == {"bin", "streetlight", "river", "air", "traffic"}
    river = Datastream.objects.get(properties__publica_demo="river-town-bridge:level")
    assert river.unit_of_measurement["symbol"] == "m"
    assert river.thing.locations.get().location["coordinates"][1] == pytest.approx(52.03, abs=0.02)
    for ds in first:  # every stream has a model
        assert (
            value_at(ds.properties["publica_demo"], START, Scenario(start=START, faults={}))
            is not None
        )


@pytest.mark.django_db
def test_the_database_transport_stores_a_day_of_history() -> None:
    sent = simulate.run_simulation(
        transport="db", interval_seconds=3600, count=24, start=START, speedup=0
    )
    assert Observation.objects.count() == sent
    # 17 streams a tick, less the silent counter after its third hour.
    assert sent == 17 * 24 - (24 - 3)
    stuck = Observation.objects.filter(
        datastream__properties__publica_demo="air-ring-road:pm25",
        phenomenon_time__gte=START + timedelta(hours=2),
    )
    assert stuck.values("value").distinct().count() == 1

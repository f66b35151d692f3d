"""Sensor rules open, add to and resolve maintenance cases as readings arrive."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from publica.accounts.tests.factories import DepartmentFactory
from publica.cases.models import Case, CaseEvent
from publica.catalogue.models import Service
from publica.core import clock
from publica.core.errors import InvalidInput
from publica.ledger.models import Entry
from publica.sensors import alarms
from publica.sensors.entities import ENTITY_SETS
from publica.sensors.models import Alarm, Datastream, Observation, SensorRule
from publica.sensors.services import ObservationRow, entity_create, observations_create
from publica.sensors.tests.conftest import SETUP, THING
from publica.testing import load_demo_service

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def maintenance(db: None) -> Service:
    DepartmentFactory(slug="waste", name="Waste and Street Scene")
    return load_demo_service("sensor-maintenance")


@pytest.fixture
def stream(maintenance: Service) -> Datastream:
    thing = entity_create(entity=ENTITY_SETS["Things"], data=THING, actor=SETUP)
    return Datastream.objects.get(thing=thing)


def rule(stream: Datastream, kind: str = "threshold", **given: object) -> SensorRule:
    values: dict[str, object] = {
        "name": f"{kind}-rule",
        "kind": kind,
        "parameters": {"op": ">=", "limit": 85},
        "datastream": stream,
        "service_slug": "sensor-maintenance",
        **given,
    }
    created = SensorRule.objects.create(**values)
    alarms.rules_changed()
    return created


def send(stream: Datastream, *values: float, at: dt.datetime = T0, minutes: int = 1) -> None:
    rows = [
        ObservationRow(phenomenon_time=at + dt.timedelta(minutes=i * minutes), result=v)
        for i, v in enumerate(values)
    ]
    with clock.at(rows[-1].phenomenon_time):
        observations_create(datastream=stream, rows=rows, actor=SETUP)


def notes(case: Case) -> list[str]:
    return [e.data["text"] for e in case.events.filter(kind=CaseEvent.Kind.NOTE_ADDED)]


def test_readings_without_rules_open_no_case(stream):
    send(stream, 99, 100)
    assert not Case.objects.exists()
    assert not Alarm.objects.exists()


def test_a_late_reading_is_stored_in_its_place_but_cannot_fire_a_rule(stream):
    rule(stream)
    send(stream, 40, 41, at=T0 + dt.timedelta(hours=1))
    send(stream, 97, at=T0)  # from before the newest reading: history, not news
    assert Observation.objects.filter(datastream=stream).count() == 3
    assert not Case.objects.exists()
    send(stream, 96, at=T0 + dt.timedelta(hours=2))
    assert Case.objects.count() == 1


def test_a_threshold_breach_opens_one_case_with_the_sensor_facts(stream):
    rule(stream)
    send(stream, 40, 91, 93)
    case = Case.objects.get()
    assert case.service.slug == "sensor-maintenance"
    assert case.channel == "sensor"
    assert case.data["thing"] == "Weather station 1"
    assert case.data["datastream"] == "Air temperature"
    assert case.data["reading"] == 91
    assert [r["value"] for r in case.data["readings"]] == [91, 93]
    assert "reading 91 is >= 85" in case.data["reason"]
    assert (case.latitude, case.longitude) == (52.37, 4.9)
    assert case.data["location"]["address"] == "Town hall"
    alarm = Alarm.objects.get()
    assert (alarm.state, alarm.case, alarm.firings) == ("firing", case, 2)


def test_repeated_breaches_while_the_case_is_open_open_no_other_case(stream):
    rule(stream)
    send(stream, 91)
    send(stream, 92, at=T0 + dt.timedelta(minutes=1))
    send(stream, 93, at=T0 + dt.timedelta(minutes=2))
    assert Case.objects.count() == 1
    assert Alarm.objects.get().firings == 3


def test_repeated_breaches_add_at_most_one_note_every_ten_minutes(stream):
    rule(stream)
    send(stream, 91)
    for minute in range(1, 30):  # a reading a minute for half an hour
        send(stream, 91 + minute % 3, at=T0 + dt.timedelta(minutes=minute))
    case = Case.objects.get()
    texts = notes(case)
    assert len(texts) == 2  # at minutes 10 and 20
    assert "fired on 10 more reading(s)" in texts[0]
    assert Alarm.objects.get().unnoted_firings == 9


def test_back_to_normal_resolves_the_case_when_configured_with_its_ledger_entry(stream):
    rule(stream, auto_resolve=True)
    send(stream, 91)
    send(stream, 60, at=T0 + dt.timedelta(minutes=5))
    case = Case.objects.get()
    assert (case.state, case.outcome) == ("back_to_normal", "resolved")
    moved = case.events.get(kind=CaseEvent.Kind.TRANSITIONED)
    assert moved.actor_label == "sensors" and "back to normal" in moved.data["reason"]
    assert Entry.objects.filter(case_reference=case.reference).exists()
    assert Alarm.objects.get().state == "normal"


def test_back_to_normal_leaves_the_case_open_without_auto_resolve(stream):
    rule(stream)
    send(stream, 91)
    send(stream, 60, at=T0 + dt.timedelta(minutes=5))
    case = Case.objects.get()
    assert case.closed_at is None
    alarm = Alarm.objects.get()
    assert (alarm.state, alarm.cleared_at) == ("normal", T0 + dt.timedelta(minutes=5))


def test_back_to_normal_is_noted_on_the_case(stream):
    rule(stream)
    send(stream, 91)
    send(stream, 60, at=T0 + dt.timedelta(minutes=5))
    assert "back to normal" in notes(Case.objects.get())[-1]


def test_a_breach_after_the_case_was_resolved_opens_a_new_case(stream):
    rule(stream, auto_resolve=True)
    send(stream, 91)
    send(stream, 60, at=T0 + dt.timedelta(minutes=5))
    send(stream, 95, at=T0 + dt.timedelta(minutes=10))
    assert Case.objects.count() == 2
    assert Alarm.objects.get().case == Case.objects.order_by("pk").last()


def test_a_rule_on_an_observed_property_covers_its_datastreams(stream):
    rule(stream, datastream=None, observed_property=stream.observed_property)
    send(stream, 99)
    assert Case.objects.count() == 1


def test_rate_of_change_opens_a_case_for_a_fast_rising_river(stream):
    rule(stream, "rate_of_change", parameters={"limit": 10, "window_seconds": 3600})
    send(stream, 100, 101, 102, minutes=15)  # 8 an hour
    assert not Case.objects.exists()
    send(stream, 110, at=T0 + dt.timedelta(minutes=45))  # 10 in 45 minutes: 13 an hour
    assert "an hour is > 10" in Case.objects.get().data["reason"]


def test_zscore_opens_a_case_for_an_odd_reading(stream):
    rule(stream, "zscore", parameters={"k": 3, "window": 10, "min_count": 5})
    send(stream, 10, 11, 9, 10, 11, 9, 10, 11)
    assert not Case.objects.exists()
    send(stream, 40, at=T0 + dt.timedelta(minutes=8))
    assert "z-score" in Case.objects.get().data["reason"]


def test_an_absent_sensor_opens_a_sensor_offline_case_and_a_reading_clears_it(stream):
    rule(stream, "absence", name="sensor-offline", parameters={"seconds": 7200}, auto_resolve=True)
    send(stream, 20)
    assert alarms.alarms_check_absences(now=T0 + dt.timedelta(hours=1)) == 0
    assert not Case.objects.exists()
    assert alarms.alarms_check_absences(now=T0 + dt.timedelta(hours=3)) == 1
    case = Case.objects.get()
    assert case.data["rule"] == "sensor-offline"
    assert case.data["reason"] == "no reading for 3.0 h (allowed 2.0 h)"
    alarms.alarms_check_absences(now=T0 + dt.timedelta(hours=3, minutes=5))
    assert Case.objects.count() == 1
    send(stream, 21, at=T0 + dt.timedelta(hours=4))
    case.refresh_from_db()
    assert case.outcome == "resolved"


def test_a_rule_naming_a_missing_service_keeps_the_readings_and_the_problem(stream):
    rule(stream, service_slug="no-such-service")
    send(stream, 91)
    assert stream.observations.count() == 1
    assert not Case.objects.exists()
    assert "could not open a case" in Alarm.objects.get().problem


RULES = """
rules:
  - name: too-warm
    kind: threshold
    parameters: {op: ">", limit: 30}
    observed_property: Temperature
    service: sensor-maintenance
    auto_resolve: true
  - name: station-offline
    kind: absence
    parameters: {seconds: 7200}
    datastream: {stream}
    service: sensor-maintenance
"""


def test_the_rules_file_loads_every_rule_and_they_act_at_once(stream, tmp_path: Path):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES.replace("{stream}", str(stream.pk)))
    loaded = alarms.rules_load(path=path, actor=SETUP)
    assert [r.name for r in loaded] == ["too-warm", "station-offline"]
    assert loaded[0].observed_property == stream.observed_property
    send(stream, 31)
    assert Case.objects.get().data["rule"] == "too-warm"
    path.write_text(RULES.replace("{stream}", str(stream.pk)).replace("limit: 30", "limit: 35"))
    alarms.rules_load(path=path, actor=SETUP)
    assert SensorRule.objects.get(name="too-warm").parameters["limit"] == 35
    assert SensorRule.objects.count() == 2


def test_the_rules_file_loads_all_or_nothing_with_field_named_errors(stream, tmp_path: Path):
    path = tmp_path / "rules.yaml"
    text = RULES.replace("{stream}", "999999").replace(
        "service: sensor-maintenance", "service: nope", 1
    )
    path.write_text(text)
    with pytest.raises(InvalidInput) as caught:
        alarms.rules_load(path=path, actor=SETUP)
    fields = {error.field for error in caught.value.errors}
    assert fields == {"rules[0].service", "rules[1].datastream"}
    assert not SensorRule.objects.exists()

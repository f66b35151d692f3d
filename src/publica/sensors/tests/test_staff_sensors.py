"""The back office's sensors pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from publica.sensors import simulate, staff_views
from publica.sensors.models import Datastream, Thing

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_day() -> None:
    """The demo things with the last 24 hours of half-hourly readings."""
    simulate.run_simulation(
        transport="db",
        interval_seconds=1800,
        count=48,
        start=timezone.now() - timedelta(hours=24),
        speedup=0,
    )


def test_staff_see_every_thing_with_its_latest_value_and_a_chart(
    staff_client, caseworker, demo_day
) -> None:  # type: ignore[no-untyped-def]
    page = staff_client(caseworker).get("/staff/sensors/")
    assert page.status_code == 200
    html = page.content.decode()
    for thing in Thing.objects.all():
        assert thing.name in html
    river = Datastream.objects.get(properties__publica_demo="river-town-bridge:level")
    latest = river.observations.order_by("-phenomenon_time").first()
    assert f"{latest.value:g} m" in html or f"{latest.value:.2f} m" in html
    assert html.count('class="publica-sparkline"') == Datastream.objects.count()
    assert 'class="publica-point-map"' in html
    assert "Lowest" in html and "highest" in html
    assert f"/staff/sensors/things/{river.thing_id}/#readings-{river.pk}" in html
    assert "Active alerts" in html


def test_the_silent_sensor_is_marked_quiet(staff_client, caseworker, demo_day) -> None:  # type: ignore[no-untyped-def]
    html = staff_client(caseworker).get("/staff/sensors/").content.decode()
    assert html.count("Quiet</strong>") == 1


def test_a_thing_page_shows_each_datastream_chart_and_recent_readings(
    staff_client, caseworker, demo_day
) -> None:  # type: ignore[no-untyped-def]
    thing = Thing.objects.get(properties__publica_demo="air-market-square")
    page = staff_client(caseworker).get(f"/staff/sensors/things/{thing.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert thing.name in html
    assert html.count('class="publica-sparkline"') == 2
    for stream in thing.datastreams.all():
        assert f'id="readings-{stream.pk}"' in html
        newest = stream.observations.order_by("-phenomenon_time").first()
        assert timezone.localtime(newest.phenomenon_time).strftime("%-d %b %Y, %H:%M") in html
    assert "µg/m³" in html


def test_an_unknown_thing_is_not_found(staff_client, caseworker) -> None:  # type: ignore[no-untyped-def]
    assert staff_client(caseworker).get("/staff/sensors/things/999999/").status_code == 404


def test_the_page_needs_a_member_of_staff(client, resident) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/staff/sensors/")
    assert response.status_code == 302 and "/staff/sign-in/" in response["Location"]
    client.force_login(resident)
    assert client.get("/staff/sensors/").status_code == 403


def test_an_empty_council_is_told_how_to_load_the_demo(staff_client, caseworker) -> None:  # type: ignore[no-untyped-def]
    html = staff_client(caseworker).get("/staff/sensors/").content.decode()
    assert "publica sensors simulate" in html


def test_firing_alarms_link_to_their_case(staff_client, caseworker, demo_day, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    river = Datastream.objects.select_related("thing").get(
        properties__publica_demo="river-town-bridge:level"
    )
    alarm = {
        "rule": "River above 2 m",
        "datastream": river,
        "reason": "2.4 m at 03:00",
        "since": timezone.now(),
        "case_reference": "MB-0042",
    }
    monkeypatch.setattr(staff_views, "active_alarms", lambda: [alarm])
    html = staff_client(caseworker).get("/staff/sensors/").content.decode()
    assert "River above 2 m" in html and "2.4 m at 03:00" in html
    assert 'href="/staff/cases/MB-0042/"' in html


def test_active_alarms_lists_only_firing_ones_when_alarms_exist() -> None:
    """Works whether or not the Alarm model has been added yet."""
    from django.apps import apps

    try:
        apps.get_model("sensors", "Alarm")
    except LookupError:
        assert staff_views.active_alarms() is None
    else:
        assert staff_views.active_alarms() == []


def test_firing_alarms_from_the_alarm_model_are_listed_and_normal_ones_are_not(  # type: ignore[no-untyped-def]
    staff_client, caseworker, demo_day
) -> None:
    """Only runs once the sensors app has its Alarm model (fields as agreed for issue 7)."""
    from django.apps import apps

    try:
        alarm_model = apps.get_model("sensors", "Alarm")
        rule_model = apps.get_model("sensors", "SensorRule")
    except LookupError:
        pytest.skip("no Alarm model yet")
    river = Datastream.objects.get(properties__publica_demo="river-town-bridge:level")
    bin_stream = Datastream.objects.get(properties__publica_demo="bin-mill-lane:fill")
    rule = rule_model.objects.create(
        name="river-high",
        kind="threshold",
        parameters={"op": ">=", "limit": 2},
        datastream=river,
        service_slug="report-a-pothole",
    )
    other = rule_model.objects.create(
        name="bin-full",
        kind="threshold",
        parameters={"op": ">=", "limit": 85},
        datastream=bin_stream,
        service_slug="report-a-pothole",
    )
    alarm_model.objects.create(
        rule=rule,
        datastream=river,
        state="firing",
        first_fired_at=timezone.now(),
        last_reason="level 2.4 m is at or above 2 m",
    )
    alarm_model.objects.create(rule=other, datastream=bin_stream, state="normal")
    html = staff_client(caseworker).get("/staff/sensors/").content.decode()
    assert "river-high" in html and "level 2.4 m is at or above 2 m" in html
    assert "bin-full" not in html
    assert "No case" in html


def test_a_supervisor_publishes_a_datastreams_readings_as_open_data(
    staff_client, supervisor, caseworker, demo_day
) -> None:  # type: ignore[no-untyped-def]
    from publica.accounts.models import Organisation
    from publica.opendata.models import Dataset
    from publica.opendata.services import datasets_publish

    Organisation.objects.create(slug="millbrook", name="Millbrook Council")
    river = Datastream.objects.get(properties__publica_demo="river-town-bridge:level")
    url = f"/staff/sensors/datastreams/{river.pk}/publication/"
    refused = staff_client(caseworker).post(url, {"public": "true"}, follow=True)
    assert "only a supervisor or an admin" in refused.content.decode()
    river.refresh_from_db()
    assert river.public is False

    page = staff_client(supervisor).post(url, {"public": "true"}, follow=True)
    assert "is published as open data" in page.content.decode()
    river.refresh_from_db()
    assert river.public is True
    datasets_publish()
    assert Dataset.objects.get(name="sensor-readings").row_count == river.observations.count()
    staff_client(supervisor).post(url, {"public": "false"})
    river.refresh_from_db()
    assert river.public is False

"""The alert pages: residents ask for, confirm and stop alerts; staff preview and publish."""

from __future__ import annotations

import pytest

from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.alerts import links
from publica.alerts.models import Alert, AlertSubscription
from publica.alerts.tests.factories import CENTRE, SubscriptionFactory
from publica.notify.models import Message

pytestmark = pytest.mark.django_db

GOOD = {"area": "point", "latitude": "52.0312", "longitude": "-0.9876", "radius_m": "500",
        "topics": ["flooding", "road-closure"], "channel": "email",
        "email": "walker@example.org"}  # fmt: skip


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def path_of(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:8000")


# Residents


def test_the_alerts_page_works_without_signing_in(client, wards):
    page = text(client.get("/alerts/"))
    assert "Get alerts for your area" in page
    assert '<option value="abbey">Abbey</option>' in page
    assert 'for="topics"' in page and 'name="channel"' in page


def test_asking_for_alerts_sends_a_link_and_says_so(client):
    response = client.post("/alerts/", GOOD)
    assert (
        response.status_code == 302
        and response["Location"] == "/alerts/check-your-messages/?by=email"
    )
    assert "Check your email" in text(client.get(response["Location"]))
    subscription = AlertSubscription.objects.get()
    assert subscription.topics == ["flooding", "road-closure"] and not subscription.active
    assert Message.objects.get().recipient == "walker@example.org"


def test_asking_by_text_message_uses_the_phone_box(client, wards):
    response = client.post("/alerts/", {**GOOD, "area": "ward", "ward": "castle",
                                        "channel": "sms", "phone": "07700 900123"})  # fmt: skip
    assert response["Location"].endswith("?by=sms")
    subscription = AlertSubscription.objects.get()
    assert subscription.ward == wards["castle"] and subscription.latitude is None
    assert subscription.address == "+447700900123"
    assert "Check your phone" in text(client.get(response["Location"]))


def test_every_error_is_listed_and_shown_beside_its_field(client, wards):
    page = text(client.post("/alerts/", {"area": "point", "latitude": "north",
                                         "longitude": "200", "radius_m": "5",
                                         "channel": "email", "email": "nope"}))  # fmt: skip
    assert "There is a problem" in page and page.startswith("<!DOCTYPE html>")
    for field, message in [
        ("latitude", "Enter the latitude as a number, like 52.03"),
        ("longitude", "Longitude must be between -180 and 180"),
        ("radius_m", "The distance must be between 50 and 20,000 metres"),
        ("topics", "Choose at least one topic"),
        ("email", "Enter an email address in the right form, like name@example.com"),
    ]:
        assert f'<a href="#{field}">{message}</a>' in page
        assert f'id="{field}-error"' in page
    assert "<title>Error:" in page
    assert 'value="north"' in page  # what was typed stays in the box
    assert not AlertSubscription.objects.exists()


def test_choosing_no_area_or_ward_is_an_error_on_that_question(client, wards):
    page = text(client.post("/alerts/", {**GOOD, "area": ""}))
    assert '<a href="#area">Choose a ward, or give a point and a distance</a>' in page
    page = text(client.post("/alerts/", {**GOOD, "area": "ward", "ward": ""}))
    assert '<a href="#ward">Choose a ward from the list</a>' in page


def test_without_wards_the_area_is_a_point_and_its_error_points_at_latitude(client):
    page = text(client.get("/alerts/"))
    assert 'name="area" value="point"' in page and "A ward" not in page
    page = text(client.post("/alerts/", {**GOOD, "latitude": "", "longitude": "",
                                         "radius_m": ""}))  # fmt: skip
    assert '<a href="#latitude">' in page


def test_odd_input_never_breaks_the_page(client, wards):
    for odd in ({"channel": "x" * 5000}, {"topics": ["<script>"] * 50}, {"latitude": "1e999"},
                {"area": "ward", "ward": "'; drop table"}, {"radius_m": "9" * 400}):  # fmt: skip
        response = client.post("/alerts/", {**GOOD, **odd})
        assert response.status_code == 200 and "There is a problem" in text(response)


def test_a_signed_in_resident_finds_their_email_filled_in_and_their_alerts_listed(client, resident):
    client.force_login(resident)
    assert f'value="{resident.email}"' in text(client.get("/alerts/"))
    client.post("/alerts/", {**GOOD, "email": resident.email})
    page = text(client.get("/alerts/"))
    assert "Your alerts" in page and "Waiting for you to confirm" in page
    assert "/alerts/manage/" in page


def test_the_confirmation_link_asks_before_starting_the_alerts(client):
    client.post("/alerts/", GOOD)
    link = next(w for w in Message.objects.get().text.split() if "/alerts/confirm/" in w)
    page = text(client.get(path_of(link)))
    assert "Start your alerts" in page and "Flooding, Road closures" in page
    assert not AlertSubscription.objects.get().active  # a mail scanner's visit starts nothing
    page = text(client.post(path_of(link)))
    assert "Your alerts are on" in page
    assert AlertSubscription.objects.get().active


def test_a_bad_link_gets_a_plain_page_not_an_error(client):
    for url in ("/alerts/confirm/1:nonsense/", "/alerts/manage/1:nonsense/"):
        response = client.get(url)
        assert response.status_code == 404 and "This link does not work" in text(response)


def test_the_manage_link_stops_the_alerts(client):
    subscription = SubscriptionFactory()
    url = path_of(links.manage_url(subscription.pk))
    assert "Stop these alerts" in text(client.get(url))
    page = text(client.post(url, {"which": "this"}))
    assert "Alerts stopped" in page
    subscription.refresh_from_db()
    assert not subscription.active and subscription.ended_at is not None
    assert "These alerts are stopped" in text(client.get(url))


def test_the_navigation_offers_alerts(client):
    assert 'href="/alerts/"' in text(client.get("/"))


# Staff


def publish_form(**changes) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"title": "Mill Road closed", "body": "Resurfacing from Monday.",
            "topic": "road-closure", "area": "point", "latitude": str(CENTRE[0]),
            "longitude": str(CENTRE[1]), "radius_m": "300", "starts_at": "", "ends_at": "",
            **changes}  # fmt: skip


def test_a_supervisor_previews_then_publishes_an_alert(staff_client, supervisor):
    SubscriptionFactory()
    SubscriptionFactory(by_text=True)
    client = staff_client(supervisor)
    assert "Publish an alert" in text(client.get("/staff/alerts/new/"))
    preview = text(client.post("/staff/alerts/new/", {**publish_form(), "action": "preview"}))
    assert "It will go to 2 subscribers" in preview and "1 by email and 1 by text" in preview
    assert not Alert.objects.exists()
    key = preview.split('name="key" value="', 1)[1].split('"', 1)[0]
    response = client.post("/staff/alerts/new/", {**publish_form(), "key": key,
                                                  "action": "publish"})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/staff/alerts/"
    listing = text(client.get("/staff/alerts/"))
    assert "It is on its way to 2 subscribers" in listing and "Mill Road closed" in listing
    assert Alert.objects.get().recipient_count == 2 and Message.objects.count() == 2
    client.post("/staff/alerts/new/", {**publish_form(), "key": key, "action": "publish"})
    assert Alert.objects.count() == 1 and Message.objects.count() == 2  # a second click


def test_changing_a_previewed_alert_goes_back_to_the_form_with_it(staff_client, supervisor):
    client = staff_client(supervisor)
    page = text(client.post("/staff/alerts/new/", {**publish_form(), "action": "change"}))
    assert 'value="Mill Road closed"' in page and "Resurfacing from Monday." in page


def test_the_publish_form_names_every_field_at_fault(staff_client, supervisor):
    client = staff_client(supervisor)
    page = text(
        client.post(
            "/staff/alerts/new/",
            {
                **publish_form(title="", body="x" * 1200, topic="", latitude="", ends_at="soon"),
                "action": "preview",
            },
        )
    )
    for field in ("title", "body", "topic", "latitude", "ends_at"):
        assert f'<a href="#{field}">' in page and f'id="{field}-error"' in page
    assert not Alert.objects.exists()


def test_a_caseworker_sees_alerts_but_cannot_publish(staff_client, caseworker):
    client = staff_client(caseworker)
    listing = text(client.get("/staff/alerts/"))
    assert "Published alerts" in listing and "/staff/alerts/new/" not in listing
    response = client.post("/staff/alerts/new/", {**publish_form(), "action": "publish"})
    assert response.status_code == 403 and "You cannot publish alerts" in text(response)
    assert not Alert.objects.exists()


def test_a_resident_cannot_reach_the_back_office_alerts(client, resident):
    client.force_login(resident)
    assert client.get("/staff/alerts/").status_code == 403
    assert client.post("/staff/alerts/new/", publish_form()).status_code == 403


def test_staff_pages_need_sign_in_with_a_second_factor(client, supervisor):
    assert client.get("/staff/alerts/new/")["Location"].startswith("/staff/sign-in/")
    client.force_login(supervisor)  # a password alone is not enough
    assert client.get("/staff/alerts/new/")["Location"] == "/staff/verify/"


def test_staff_navigation_leads_to_alerts(staff_client):
    client = staff_client(UserFactory(role=Role.ADMIN))
    assert 'href="/staff/alerts/"' in text(client.get("/staff/alerts/"))

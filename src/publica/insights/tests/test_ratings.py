"""Resident satisfaction: asked once when a case closes, kept without identity, and counted
per service for the dashboards."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Iterator

import pytest
from django.core import signing
from django.db import connection, connections
from django.test import Client

from publica.accounts.models import User
from publica.cases.models import Case
from publica.cases.services import case_transition
from publica.cases.tests.factories import submit_pothole
from publica.catalogue.models import Service
from publica.core import clock
from publica.core.errors import InvalidInput, PublicaError
from publica.insights.filters import Filters
from publica.insights.models import Rating, RatingReceipt
from publica.insights.selectors.ratings import (
    Satisfaction,
    rating_offered,
    satisfaction_by_service,
    satisfaction_total,
)
from publica.insights.services import ratings
from publica.insights.services.ratings import rating_record, rating_token, rating_url
from publica.notify.models import Message
from publica.notify.services import deliver
from publica.notify.tests.peers import SmtpSink, start_smtp

DAY = dt.date(2026, 3, 2)


def closed(service: Service, caseworker: User, applicant: User | None = None) -> Case:
    case = submit_pothole(service, applicant)
    return case_transition(case=case, to="no_action", actor=caseworker, reason="Sound surface")


def field_of(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [error.field for error in exc.value.errors]


# Recording a rating


@pytest.mark.django_db
def test_a_closed_case_is_rated_once_and_the_rating_says_nothing_about_case_or_person(
    pothole, caseworker, resident
):
    case = closed(pothole, caseworker, resident)
    assert rating_offered(case)
    with clock.at(dt.datetime(2026, 3, 2, 23, 59, tzinfo=dt.UTC)):
        rating = rating_record(token=rating_token(case), score=4, actor=resident)
    stored = Rating.objects.values().get()
    assert set(stored) == {"id", "service_id", "department_id", "day", "score"}
    assert stored["service_id"] == pothole.pk and stored["department_id"] == case.department_id
    assert stored["day"] == DAY and stored["score"] == 4 and stored["id"] == rating.id
    assert list(RatingReceipt.objects.values_list("case_id", flat=True)) == [case.pk]
    assert not rating_offered(case)


@pytest.mark.django_db
def test_a_second_rating_of_the_same_case_is_refused_and_not_counted(pothole, caseworker):
    case = closed(pothole, caseworker)
    rating_record(token=rating_token(case), score=5, actor=None)
    with pytest.raises(InvalidInput, match="already told us") as refused:
        rating_record(token=rating_token(case), score=1, actor=None)
    assert field_of(refused) == ["case"] and Rating.objects.count() == 1


@pytest.mark.django_db
def test_a_rating_that_loses_a_race_gets_already_rated_not_a_database_error(
    pothole, caseworker, monkeypatch
):
    case = closed(pothole, caseworker)
    token = rating_token(case)
    monkeypatch.setattr(ratings, "_require_ratable", lambda case: None)  # both passed the check
    rating_record(token=token, score=5, actor=None)
    with pytest.raises(InvalidInput, match="already told us"):
        rating_record(token=token, score=2, actor=None)
    assert Rating.objects.count() == 1 and RatingReceipt.objects.count() == 1


@pytest.mark.django_db
def test_a_forged_or_altered_token_is_refused(pothole, caseworker):
    case = closed(pothole, caseworker)
    token = rating_token(case)
    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        signing.dumps(case.pk, salt="publica.case-link"),  # a real signature for another use
        signing.dumps(str(case.pk), salt="publica.insights.rating"),
        signing.dumps(case.pk + 1000, salt="publica.insights.rating"),  # no such case
        "not-a-token",
    ]
    for token in forged:
        with pytest.raises(InvalidInput, match="not valid") as refused:
            rating_record(token=token, score=5, actor=None)
        assert field_of(refused) == ["token"]
    assert not Rating.objects.exists() and not RatingReceipt.objects.exists()


@pytest.mark.django_db
def test_a_rating_link_stops_working_after_ninety_days(pothole, caseworker, monkeypatch):
    case = closed(pothole, caseworker)
    token = rating_token(case)
    later = time.time() + 91 * 86_400
    monkeypatch.setattr(signing.time, "time", lambda: later)
    with pytest.raises(InvalidInput) as refused:
        rating_record(token=token, score=5, actor=None)
    assert field_of(refused) == ["token"]


@pytest.mark.django_db
def test_an_open_case_cannot_be_rated_yet(pothole):
    case = submit_pothole(pothole)
    assert not rating_offered(case)
    with pytest.raises(InvalidInput, match="once your case is finished") as refused:
        rating_record(token=rating_token(case), score=5, actor=None)
    assert field_of(refused) == ["case"] and not Rating.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("score", [0, 6, -1, None, "", "abc", "3.5", "10", True, " "])
def test_a_score_must_be_a_whole_number_from_one_to_five(pothole, caseworker, score):
    case = closed(pothole, caseworker)
    with pytest.raises(InvalidInput) as refused:
        rating_record(token=rating_token(case), score=score, actor=None)
    assert field_of(refused) == ["score"]
    assert rating_offered(case)  # nothing written: the resident may still answer


@pytest.mark.django_db
def test_a_score_from_a_form_is_read_as_a_number(pothole, caseworker):
    case = closed(pothole, caseworker)
    assert rating_record(token=rating_token(case), score=" 3 ", actor=None).score == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
def test_two_ratings_sent_at_once_leave_one(pothole, caseworker):
    case = closed(pothole, caseworker)
    token = rating_token(case)
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def rate(index: int) -> None:
        barrier.wait()
        try:
            results[index] = rating_record(token=token, score=index + 4, actor=None)
        except PublicaError as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rate, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(isinstance(result, Rating) for result in results) == 1
    assert sum(isinstance(result, InvalidInput) for result in results) == 1
    assert Rating.objects.count() == 1 and RatingReceipt.objects.count() == 1


# Satisfaction figures


def rate_by_hand(service: Service, day: dt.date, *scores: int) -> None:
    Rating.objects.bulk_create(
        Rating(service=service, department_id=service.department_id, day=day, score=score)
        for score in scores
    )


@pytest.fixture
def rated(pothole, parking_permit) -> Iterator[tuple[Service, Service]]:
    rate_by_hand(pothole, DAY, 5, 4, 2)
    rate_by_hand(pothole, DAY + dt.timedelta(days=6), 1)
    rate_by_hand(parking_permit, DAY, 5, 5)
    rate_by_hand(parking_permit, DAY - dt.timedelta(days=1), 3)  # before the period
    yield pothole, parking_permit


@pytest.mark.django_db
def test_satisfaction_counts_ratings_the_satisfied_share_and_the_mean_per_service(
    rated, django_assert_num_queries
):
    pothole, permit = rated
    week = Filters(start=DAY, end=DAY + dt.timedelta(days=6))
    with django_assert_num_queries(1):
        found = satisfaction_by_service(week)
    assert found == {
        pothole.pk: Satisfaction(ratings=4, satisfied=2, mean=3.0),
        permit.pk: Satisfaction(ratings=2, satisfied=2, mean=5.0),
    }
    assert found[pothole.pk].share == 0.5 and found[permit.pk].share == 1.0
    assert satisfaction_total(week) == Satisfaction(ratings=6, satisfied=4, mean=22 / 6)


@pytest.mark.django_db
def test_satisfaction_honours_the_days_department_and_service_chosen(rated):
    pothole, permit = rated
    first_day = Filters(start=DAY, end=DAY)
    assert satisfaction_by_service(first_day)[pothole.pk].ratings == 3
    by_department = Filters(start=DAY - dt.timedelta(days=1), end=DAY,
                            department=permit.department_id)  # fmt: skip
    assert satisfaction_by_service(by_department) == {
        permit.pk: Satisfaction(ratings=3, satisfied=2, mean=13 / 3)
    }
    one_service = Filters(start=DAY, end=DAY + dt.timedelta(days=30), service=pothole.pk)
    assert list(satisfaction_by_service(one_service)) == [pothole.pk]
    assert satisfaction_total(one_service).ratings == 4


@pytest.mark.django_db
def test_satisfaction_without_ratings_has_no_share_or_mean(pothole):
    nothing = satisfaction_total(Filters(start=DAY, end=DAY))
    assert nothing == Satisfaction(ratings=0, satisfied=0, mean=None) and nothing.share is None
    assert satisfaction_by_service(Filters(start=DAY, end=DAY)) == {}


# The rating page


def page(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def rate_path(case: Case) -> str:
    return rating_url(case).split("8000", 1)[1]


@pytest.mark.django_db
def test_the_rating_page_asks_one_question_and_thanks_the_resident(client, pothole, caseworker):
    case = closed(pothole, caseworker)
    asked = page(client.get(rate_path(case)))
    assert "Overall, how satisfied are you with how we handled your Report a pothole case?" in asked
    assert asked.count('name="score" type="radio"') == 5 and 'value="1"' in asked
    response = client.post(rate_path(case), {"score": "5"})
    assert response.status_code == 200 and "Thank you for your feedback" in page(response)
    assert Rating.objects.get().score == 5


@pytest.mark.django_db
def test_the_rating_page_says_so_when_the_case_was_already_rated(client, pothole, caseworker):
    case = closed(pothole, caseworker)
    client.post(rate_path(case), {"score": "2"})
    again = client.post(rate_path(case), {"score": "5"})
    assert again.status_code == 409 and "already told us how we did" in page(again)
    shown = client.get(rate_path(case))
    assert shown.status_code == 200 and "already told us how we did" in page(shown)
    assert 'name="score"' not in page(shown) and Rating.objects.get().score == 2


@pytest.mark.django_db
def test_the_rating_page_refuses_a_forged_link_plainly(client, pothole, caseworker):
    case = closed(pothole, caseworker)
    forged = rate_path(case).replace("/rate/", "/rate/x")
    for response in (client.get(forged), client.post(forged, {"score": "5"})):
        assert response.status_code == 404 and "This link does not work" in page(response)
    assert not Rating.objects.exists()


@pytest.mark.django_db
def test_the_rating_page_does_not_ask_about_an_open_case(client, pothole):
    case = submit_pothole(pothole)
    response = client.get(rate_path(case))
    assert "not finished yet" in page(response) and 'name="score"' not in page(response)


@pytest.mark.django_db
def test_a_missing_answer_is_named_in_the_error_summary_and_beside_the_question(
    client, pothole, caseworker
):
    case = closed(pothole, caseworker)
    for posted in ({}, {"score": "9"}):
        response = client.post(rate_path(case), posted)
        assert response.status_code == 400
        assert '<a href="#score">Choose how satisfied you are</a>' in page(response)
        assert 'id="score-error"' in page(response) and 'id="score"' in page(response)
        assert "<title>Error:" in page(response)
    assert not Rating.objects.exists()


@pytest.mark.django_db
def test_the_rating_form_needs_the_csrf_token_like_the_rest_of_the_portal(pothole, caseworker):
    case = closed(pothole, caseworker)
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(rate_path(case), {"score": "4"}).status_code == 403
    form = page(browser.get(rate_path(case)))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    sent = browser.post(rate_path(case), {"score": "4", "csrfmiddlewaretoken": token})
    assert sent.status_code == 200 and Rating.objects.get().score == 4


# Offering it: the closing email and the case page


@pytest.fixture
def smtp(settings) -> Iterator[SmtpSink]:  # type: ignore[no-untyped-def]
    sink = SmtpSink()
    controller = start_smtp(sink)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    yield sink
    controller.stop()


@pytest.mark.django_db
def test_the_email_sent_when_a_case_closes_links_to_the_question(client, pothole, caseworker, smtp):
    case = submit_pothole(pothole, contact={"email": "walker@example.org"})
    case = case_transition(case=case, to="inspecting", actor=caseworker)
    case_transition(case=case, to="no_action", actor=caseworker, reason="Sound surface")
    deliver([str(pk) for pk in Message.objects.values_list("id", flat=True)])
    by_subject = {m["Subject"]: m for m in smtp.received}
    assert len(by_subject) == 3
    closing = next(m for s, m in by_subject.items() if "No action needed" in s)
    text = closing.get_body(("plain",)).get_content()
    link = next(word for word in text.split() if "/rate/" in word)
    assert link.startswith("http://") and f'href="{link}"' in closing.get_body(
        ("html",)
    ).get_content().replace("&amp;", "&")
    assert "Overall, how satisfied" in page(client.get(link.split("8000", 1)[1]))
    others = [m for s, m in by_subject.items() if "No action needed" not in s]
    assert not any("/rate/" in m.get_body(("plain",)).get_content() for m in others)


@pytest.mark.django_db
def test_the_case_page_asks_only_once_the_case_closed_and_until_it_is_rated(
    client, pothole, caseworker, resident
):
    case = submit_pothole(pothole, resident)
    client.force_login(resident)
    assert "How did we do?" not in page(client.get(f"/cases/{case.reference}/"))
    case = case_transition(case=case, to="no_action", actor=caseworker, reason="Sound surface")
    shown = page(client.get(f"/cases/{case.reference}/"))
    assert "How did we do?" in shown and 'action="/rate/' in shown
    action = re.search(r'action="(/rate/[^"]+)"', shown).group(1)  # type: ignore[union-attr]
    assert client.post(action, {"score": "4"}).status_code == 200
    assert "How did we do?" not in page(client.get(f"/cases/{case.reference}/"))

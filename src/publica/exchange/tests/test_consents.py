"""Consents: granted for a service's purpose, stopping every query once revoked or expired."""

from __future__ import annotations

import datetime as dt

import pytest

from publica.accounts.tests.factories import UserFactory
from publica.core import clock
from publica.core.errors import InvalidInput, PermissionDenied
from publica.exchange.adapters import NotAuthorised, Query
from publica.exchange.models import AccessRecord
from publica.exchange.selectors import consent_in_force
from publica.exchange.services.consents import consent_grant, consent_revoke
from publica.exchange.services.queries import register_query
from publica.exchange.tests.factories import PersonFactory, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident_with_identity():  # type: ignore[no-untyped-def]
    user = UserFactory()
    verify(user, PersonFactory())
    return user


def ask(user, consent) -> None:  # type: ignore[no-untyped-def]
    query = Query(
        "population", "person", user.identity.person_id, purpose="Test", basis="consent",
        consent=str(consent.pk) if consent else "",
    )  # fmt: skip
    register_query(query=query, actor=user, subject=user, consent=consent)


def test_a_consent_names_purpose_registers_categories_and_expiry(
    parking_permit, resident_with_identity
):
    with clock.at(dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC)):
        consent = consent_grant(service=parking_permit, actor=resident_with_identity)
    assert consent.registers == ["population", "vehicles"]
    assert consent.categories == ["address", "vehicles"]
    assert consent.purpose.startswith("Check your address")
    assert consent.expires_at.date() == dt.date(2027, 5, 1)


def test_a_revoked_consent_stops_the_next_query(parking_permit, resident_with_identity):
    consent = consent_grant(service=parking_permit, actor=resident_with_identity)
    ask(resident_with_identity, consent)
    consent_revoke(consent_id=consent.pk, actor=resident_with_identity)
    with pytest.raises(NotAuthorised, match="revoked or has expired"):
        ask(resident_with_identity, consent)
    assert AccessRecord.objects.count() == 1
    assert consent_in_force(person=resident_with_identity, service=parking_permit) is None


def test_an_expired_consent_stops_the_next_query(parking_permit, resident_with_identity):
    consent = consent_grant(service=parking_permit, actor=resident_with_identity)
    with clock.at(consent.expires_at + dt.timedelta(seconds=1)), pytest.raises(NotAuthorised):
        ask(resident_with_identity, consent)
    assert not AccessRecord.objects.exists()


def test_no_consent_no_query(resident_with_identity):
    with pytest.raises(NotAuthorised, match="no consent"):
        ask(resident_with_identity, None)


def test_another_persons_consent_does_not_cover_you(parking_permit, resident_with_identity):
    other = UserFactory()
    verify(other, PersonFactory())
    consent = consent_grant(service=parking_permit, actor=other)
    with pytest.raises(NotAuthorised):
        ask(resident_with_identity, consent)


def test_a_service_without_consent_basis_does_not_take_one(pothole, resident_with_identity):
    with pytest.raises(InvalidInput, match="does not use registers"):
        consent_grant(service=pothole, actor=resident_with_identity)


def test_staff_do_not_give_consent_for_residents(parking_permit, parking_officer):
    with pytest.raises(PermissionDenied):
        consent_grant(service=parking_permit, actor=parking_officer)

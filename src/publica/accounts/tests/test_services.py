"""Creating organisations, departments and people."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from publica.accounts.models import User
from publica.accounts.roles import Role
from publica.accounts.services import department_upsert, organisation_upsert, user_create
from publica.accounts.tests.factories import DepartmentFactory, UserFactory
from publica.core.actors import SystemActor
from publica.core.errors import InvalidInput, PermissionDenied

pytestmark = pytest.mark.django_db
SETUP = SystemActor("setup")


def test_admin_sets_up_an_organisation_and_its_departments_idempotently():
    admin = UserFactory(admin=True)
    council = organisation_upsert(slug="millbrook", name="Millbrook", actor=admin)
    first = department_upsert(organisation=council, slug="parks", name="Parks", actor=admin)
    again = department_upsert(organisation=council, slug="parks", name="Parks & Trees", actor=admin)
    assert first.pk == again.pk and again.name == "Parks & Trees"


def test_only_an_admin_manages_departments():
    with pytest.raises(PermissionDenied):
        organisation_upsert(slug="x", name="X", actor=UserFactory(role=Role.RESIDENT))


def test_staff_member_is_created_with_a_department_and_can_supervise_it():
    parks = DepartmentFactory(slug="parks")
    user = user_create(
        username="ranger", role=Role.SUPERVISOR, department=parks, supervises=True, actor=SETUP
    )
    parks.refresh_from_db()
    assert parks.supervisor == user
    assert user.is_staff and not user.has_usable_password()


def test_caseworker_without_a_department_is_refused_with_every_error_named():
    UserFactory(username="taken")
    with pytest.raises(InvalidInput) as caught:
        user_create(username="taken", role=Role.CASEWORKER, password="123", actor=SETUP)
    fields = [error.field for error in caught.value.errors]
    assert fields[:2] == ["department", "username"]
    assert "password" in fields
    assert User.objects.count() == 1


def test_unknown_role_is_refused():
    with pytest.raises(InvalidInput, match="choose one of"):
        user_create(username="x", role="mayor", actor=SETUP)


def test_a_resident_may_register_but_not_create_staff():
    resident = user_create(username="newcomer", role=Role.RESIDENT, actor=SETUP)
    assert not resident.is_staff
    with pytest.raises(PermissionDenied):
        user_create(username="sneaky", role=Role.ADMIN, actor=resident)


def test_the_database_refuses_a_caseworker_without_a_department():
    with pytest.raises(IntegrityError):
        User.objects.create(username="orphan", role=Role.CASEWORKER)


def test_a_username_with_spaces_and_a_bad_email_are_refused():
    with pytest.raises(InvalidInput) as caught:
        user_create(username="two words", role=Role.RESIDENT, email="nope", actor=SETUP)
    assert {error.field for error in caught.value.errors} == {"username", "email"}


@pytest.mark.django_db
def test_a_stronger_identity_check_takes_a_person_number_from_a_weaker_one() -> None:
    from publica.accounts.models import Identity
    from publica.accounts.services import identity_verify

    system = SystemActor("identity-test")
    squatter = UserFactory(role=Role.RESIDENT)
    owner = UserFactory(role=Role.RESIDENT)
    identity_verify(user=squatter, person_id="P-77", level="low", method="t", actor=system)

    identity_verify(user=owner, person_id="P-77", level="substantial", method="t", actor=system)

    assert Identity.objects.get(person_hash=Identity.hash_of("P-77")).user == owner
    assert not Identity.objects.filter(user=squatter).exists()
    with pytest.raises(InvalidInput, match="another account"):
        identity_verify(user=squatter, person_id="P-77", level="substantial", method="t",
                        actor=system)  # fmt: skip

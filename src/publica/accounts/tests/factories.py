from __future__ import annotations

import factory

from publica.accounts.models import Department, Organisation, User
from publica.accounts.roles import Role


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["slug"]

    slug = "testshire"
    name = "Testshire Council"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["slug"]

    organisation = factory.SubFactory(OrganisationFactory)
    slug = factory.Sequence(lambda n: f"department-{n}")
    name = factory.Sequence(lambda n: f"Department {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = Role.RESIDENT
    password = factory.django.Password("correct-horse-battery")

    class Params:
        admin = factory.Trait(role=Role.ADMIN, is_staff=True, is_superuser=True)
        auditor = factory.Trait(role=Role.AUDITOR, is_staff=True)
        designer = factory.Trait(role=Role.SERVICE_DESIGNER, is_staff=True)

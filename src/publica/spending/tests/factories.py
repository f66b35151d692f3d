"""Factories and CSV builders for the spending tests (companies invented; no real people)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from publica.core import clock
from publica.spending.models import BudgetLine, Milestone, Project, SpendTransaction

BUDGET_HEADER = "financial_year,department,programme,cost_centre,description,amount"
SPEND_HEADER = (
    "date,department,programme,supplier,payee_is_individual,description,amount,reference,project"
)


def csv_file(header: str, *rows: str) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    slug = factory.Sequence(lambda n: f"project-{n}")
    title = factory.Sequence(lambda n: f"Project {n}")
    summary = "Resurfacing the road from end to end."
    status = "in-progress"
    budget = Decimal("100000.00")
    place_name = "Mill Road"
    latitude = 52.0312
    longitude = -0.9876
    start_date = dt.date(2025, 5, 1)
    expected_end_date = dt.date(2026, 2, 28)
    created_at = factory.LazyFunction(clock.now)
    updated_at = factory.LazyFunction(clock.now)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Step {n}")
    due_date = dt.date(2025, 9, 1)
    weight = 1


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    financial_year = 2025
    programme = "Road maintenance"
    amount = Decimal("1000.00")


class SpendFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpendTransaction

    date = dt.date(2025, 6, 30)
    financial_year = 2025
    programme = "Road maintenance"
    supplier = "Tarmac Works Ltd"
    payee_is_individual = False
    description = "Resurfacing"
    amount = Decimal("250.00")
    reference = factory.Sequence(lambda n: f"PAY-{n:06d}")

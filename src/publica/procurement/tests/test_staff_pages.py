"""Staff publish a tender, award it and record the contract through the back-office forms;
a form with missing fields lists every one in the error summary and publishes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from publica.core import clock
from publica.procurement.models import Contract, ContractingProcess, Release
from publica.procurement.tests.factories import open_tender

pytestmark = [pytest.mark.django_db, pytest.mark.urls("publica.procurement.tests.urls")]


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def test_a_supervisor_publishes_awards_and_signs_through_the_forms(staff_client, buyer, supervisor):
    client = staff_client(supervisor)
    assert "Publish a tender" in text(client.get("/staff/procurement/"))
    closes = (clock.now() + dt.timedelta(days=20)).strftime("%Y-%m-%d %H:%M")
    response = client.post("/staff/procurement/new/", {
        "buyer": buyer.slug, "title": "Bus shelter cleaning", "description": "Clean 120 shelters.",
        "value_amount": "48,000", "currency": "GBP", "procurement_method": "open",
        "main_category": "services", "period_end": closes, "item_description": "Cleaning",
        "item_cpv": "90910000",
    })  # fmt: skip
    assert response.status_code == 302
    process = ContractingProcess.objects.get()
    award_page = f"/staff/procurement/{process.ocid}/award/"
    assert "Award the tender" in text(client.get(award_page))
    response = client.post(award_page, {
        "title": "Bus shelter cleaning", "value_amount": "45500", "supplier_name": "Shine Ltd",
        "supplier_scheme": "GB-COH", "supplier_identifier": "87654321",
        "supplier_email": "bids@shine.example.com",
    })  # fmt: skip
    assert response.status_code == 302
    today = clock.now().date()
    response = client.post(f"/staff/procurement/{process.ocid}/contract/", {
        "title": "Bus shelter cleaning", "value_amount": "45500", "period_start": str(today),
        "period_end": str(today + dt.timedelta(days=365)), "date_signed": str(today),
    })  # fmt: skip
    assert response.status_code == 302
    assert Contract.objects.get().award.supplier_names == "Shine Ltd"
    tags = [r.tags for r in Release.objects.order_by("pk")]
    assert tags == [["tender"], ["award"], ["contract"]]


def test_a_contract_form_with_missing_fields_lists_each_and_publishes_nothing(
    staff_client, buyer, supervisor
):
    process = open_tender(buyer, supervisor)
    client = staff_client(supervisor)
    client.post(f"/staff/procurement/{process.ocid}/award/", {
        "title": "Award", "value_amount": "100", "supplier_name": "Shine Ltd",
        "supplier_scheme": "GB-COH", "supplier_identifier": "87654321",
    })  # fmt: skip
    response = client.post(f"/staff/procurement/{process.ocid}/contract/", {"title": "C"})
    page = text(response)
    assert response.status_code == 400 and "There is a problem" in page
    for field, message in [
        ("value_amount", "Enter the contract&#x27;s value"),
        ("period_start", "Enter the start date"),
        ("period_end", "Enter the end date"),
        ("date_signed", "Enter the date it was signed"),
    ]:
        assert f'<a href="#{field}">{message}</a>' in page
        assert f'id="{field}-error"' in page
    assert "<title>Error:" in page
    assert not Contract.objects.exists() and Release.objects.count() == 2


def test_the_award_form_puts_supplier_errors_beside_the_supplier_fields(
    staff_client, buyer, supervisor
):
    process = open_tender(buyer, supervisor)
    page = text(staff_client(supervisor).post(
        f"/staff/procurement/{process.ocid}/award/",
        {"title": "A", "value_amount": "1", "supplier_scheme": "GB-COH",
         "supplier_identifier": "123"},
    ))  # fmt: skip
    assert '<a href="#supplier_name">' in page and '<a href="#supplier_identifier">' in page
    assert Release.objects.count() == 1


def test_a_caseworker_sees_the_list_but_cannot_publish(staff_client, caseworker, buyer, supervisor):
    open_tender(buyer, supervisor)
    client = staff_client(caseworker)
    listing = text(client.get("/staff/procurement/"))
    assert "Resurfacing of Mill Road" in listing and "/staff/procurement/new/" not in listing
    assert client.get("/staff/procurement/new/").status_code == 403
    process = ContractingProcess.objects.get()
    response = client.post(f"/staff/procurement/{process.ocid}/award/", {"title": "A"})
    assert response.status_code == 403


def test_a_supervisor_cannot_buy_for_another_department(staff_client, buyer, other_supervisor):
    client = staff_client(other_supervisor)
    page = text(client.get("/staff/procurement/new/"))
    assert f'value="{buyer.slug}"' not in page
    response = client.post("/staff/procurement/new/", {"buyer": buyer.slug, "title": "X"})
    assert '<a href="#buyer">Choose the department buying</a>' in text(response)
    assert not ContractingProcess.objects.exists()

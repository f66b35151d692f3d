"""Each lifecycle step changes the process and writes its release in one go; bad input names
every field at fault and writes nothing; awards and early terminations reach the ledger."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from publica.core import clock
from publica.core.actors import SystemActor
from publica.core.errors import InvalidInput, PermissionDenied, TransitionNotAllowed
from publica.ledger import entries as ledger_entries
from publica.ledger.models import Entry
from publica.procurement import services
from publica.procurement.models import (
    Contract,
    ContractingProcess,
    Release,
    Supplier,
    TenderStatus,
)
from publica.procurement.tests.factories import (
    LIGHTING,
    ROADWORKS,
    awarded,
    open_tender,
    signed,
    tender_fields,
)

pytestmark = pytest.mark.django_db


def fields_of(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {error.field: error.message for error in exc.value.errors}


# Tenders


def test_opening_a_tender_gives_an_ocid_and_publishes_a_tender_release(buyer, supervisor):
    process = open_tender(buyer, supervisor)
    assert process.ocid == f"ocds-pub001-{process.pk:06d}"
    release = Release.objects.get()
    assert release.ocid == process.ocid and release.tags == ["tender"]
    assert release.release_id == f"{process.ocid}-001"
    tender = release.data["tender"]
    assert tender["status"] == "active" and tender["value"] == {"amount": 250000, "currency": "GBP"}
    assert tender["items"][0]["classification"] == {
        "scheme": "CPV", "id": "45233141", "description": "Road-maintenance works",
    }  # fmt: skip
    assert release.data["buyer"] == {
        "id": "testshire-highways",
        "name": "Testshire Council, Highways",
    }
    roles = {party["id"]: party["roles"] for party in release.data["parties"]}
    assert roles == {"testshire-highways": ["buyer"], "testshire": ["procuringEntity"]}


def test_the_ocid_prefix_is_read_from_the_setting_when_the_process_is_made(
    buyer, supervisor, settings
):
    settings.PUBLICA_OCDS_PREFIX = "ocds-abc123"
    assert open_tender(buyer, supervisor).ocid.startswith("ocds-abc123-")


def test_a_planned_tender_is_a_planning_release_and_publishing_it_opens_it(buyer, supervisor):
    process = open_tender(buyer, supervisor, planned=True, period_end=None)
    assert process.tender.status == TenderStatus.PLANNED
    services.tender_publish(
        process=process, period_end=clock.now() + dt.timedelta(days=14), actor=supervisor
    )
    releases = list(Release.objects.order_by("sequence"))
    assert [r.tags for r in releases] == [["planning"], ["tender"]]
    assert [r.data["tender"]["status"] for r in releases] == ["planned", "active"]
    assert "tenderPeriod" in releases[1].data["tender"]


def test_every_missing_tender_field_is_named_and_nothing_is_written(buyer, supervisor):
    with pytest.raises(InvalidInput) as exc:
        services.tender_create(
            buyer=buyer, title="", description=" ", value_amount=None, procurement_method="",
            main_category="", period_end=None, actor=supervisor,
        )  # fmt: skip
    assert fields_of(exc) == {
        "title": "Enter the title",
        "description": "Enter a description of what is bought",
        "value_amount": "Enter the estimated value",
        "procurement_method": "Choose how suppliers are chosen",
        "main_category": "Choose whether it is goods, works or services",
        "period_end": "Enter when bids close",
    }
    assert not ContractingProcess.objects.exists() and not Release.objects.exists()


def test_invalid_values_are_named_with_what_to_type(buyer, supervisor):
    with pytest.raises(InvalidInput) as exc:
        open_tender(
            buyer, supervisor, value_amount="lots", currency="XYZ", period_end="tomorrow",
            items=[services.ItemIn(description="", classification_id="123")],
        )  # fmt: skip
    assert fields_of(exc) == {
        "value_amount": "Enter the estimated value as a number, like 125000 or 99.50",
        "currency": "Choose the currency: GBP, EUR, USD",
        "period_end": "Enter when bids close as a date and time, like 2026-03-14 12:00",
        "items.0.description": "Enter what the item is",
        "items.0.classification_id": "Enter the CPV code as 8 digits, like 45233141",
    }


def test_a_missing_buyer_is_named(supervisor):
    with pytest.raises(InvalidInput) as exc:
        services.tender_create(buyer=None, actor=supervisor, **tender_fields())
    assert fields_of(exc) == {"buyer": "Choose the department buying"}


def test_amending_a_tender_records_why_and_which_release_it_amends(buyer, supervisor):
    process = open_tender(buyer, supervisor)
    services.tender_amend(
        process=process, rationale="Longer to allow site visits",
        period_end=clock.now() + dt.timedelta(days=45), value_amount="260000", actor=supervisor,
    )  # fmt: skip
    latest = Release.objects.order_by("-sequence").first()
    assert latest is not None and latest.tags == ["tenderAmendment"]
    assert latest.data["tender"]["value"]["amount"] == 260000
    assert latest.data["tender"]["amendments"] == [{
        "id": "1", "date": latest.data["date"], "rationale": "Longer to allow site visits",
        "amendsReleaseID": f"{process.ocid}-001", "releaseID": f"{process.ocid}-002",
    }]  # fmt: skip


def test_an_amendment_needs_a_reason_and_a_change(buyer, supervisor):
    process = open_tender(buyer, supervisor)
    with pytest.raises(InvalidInput) as exc:
        services.tender_amend(process=process, rationale="", actor=supervisor)
    assert set(fields_of(exc)) == {"rationale"}
    with pytest.raises(InvalidInput) as exc:
        services.tender_amend(process=process, rationale="Typo", actor=supervisor)
    assert "Change at least one thing" in fields_of(exc)["title"]
    assert Release.objects.count() == 1


# Awards


def test_an_award_names_its_suppliers_completes_the_tender_and_goes_on_the_ledger(
    buyer, supervisor
):
    award = awarded(buyer, supervisor)
    process = award.process
    release = Release.objects.get(sequence=2, process=process)
    assert release.tags == ["award"]
    assert release.data["tender"]["status"] == "complete"
    assert release.data["awards"] == [{
        "id": f"{process.ocid}-award-1", "title": "Mill Road resurfacing", "status": "active",
        "date": release.data["date"], "value": {"amount": 238500.5, "currency": "GBP"},
        "suppliers": [{"id": "GB-COH-01234567", "name": "Tarmac and Kerb Ltd"}],
    }]  # fmt: skip
    supplier = next(p for p in release.data["parties"] if p["id"] == "GB-COH-01234567")
    assert supplier["identifier"] == {
        "scheme": "GB-COH", "id": "01234567", "legalName": "Tarmac and Kerb Ltd",
    }  # fmt: skip
    assert supplier["roles"] == ["supplier"]
    entry = Entry.objects.get(case_reference=process.ocid)
    body = json.loads(bytes(entry.body))
    assert body["type"] == "decision" and body["outcome"] == "awarded"
    assert body["role"] == "supervisor" and body["service"] == "procurement"
    assert body["data_digest"] == ledger_entries.data_digest(process.ledger_key, release.data)
    assert "Tarmac" not in bytes(entry.body).decode()  # no names on the ledger


def test_an_award_to_two_suppliers_keeps_one_row_per_company(buyer, admin):
    process = open_tender(buyer, admin)
    services.tender_award(
        process=process, title="Lot 1", value_amount="1000", suppliers=[ROADWORKS, LIGHTING],
        actor=admin,
    )  # fmt: skip
    open_again = open_tender(buyer, admin)
    award = services.tender_award(
        process=open_again, title="Lot 1", value_amount="1000", suppliers=[ROADWORKS], actor=admin
    )
    assert Supplier.objects.count() == 2
    assert award.supplier_names == "Tarmac and Kerb Ltd"


def test_an_award_without_suppliers_or_value_names_both_and_writes_nothing(buyer, supervisor):
    process = open_tender(buyer, supervisor)
    with pytest.raises(InvalidInput) as exc:
        services.tender_award(
            process=process, title="Award", value_amount="", suppliers=[], actor=supervisor
        )
    assert fields_of(exc) == {
        "value_amount": "Enter the value awarded",
        "suppliers": "Name at least one supplier",
    }
    assert Release.objects.count() == 1 and not Entry.objects.exists()


def test_each_bad_supplier_field_is_named_by_its_position(buyer, supervisor):
    process = open_tender(buyer, supervisor)
    bad = services.SupplierIn(name="", identifier="12", contact_email="not-an-address")
    with pytest.raises(InvalidInput) as exc:
        services.tender_award(
            process=process, title="Award", value_amount="10", suppliers=[ROADWORKS, bad],
            actor=supervisor,
        )  # fmt: skip
    assert set(fields_of(exc)) == {
        "suppliers.1.name", "suppliers.1.identifier", "suppliers.1.contact_email",
    }  # fmt: skip
    assert not Supplier.objects.exists()


def test_a_planned_tender_cannot_be_awarded(buyer, supervisor):
    process = open_tender(buyer, supervisor, planned=True, period_end=None)
    with pytest.raises(TransitionNotAllowed):
        services.tender_award(
            process=process, title="A", value_amount="1", suppliers=[ROADWORKS], actor=supervisor
        )


def test_a_supervisor_of_another_department_cannot_touch_the_process(
    buyer, supervisor, other_supervisor, caseworker
):
    process = open_tender(buyer, supervisor)
    for outsider in (other_supervisor, caseworker):
        with pytest.raises(PermissionDenied):
            services.tender_award(
                process=process, title="A", value_amount="1", suppliers=[ROADWORKS], actor=outsider
            )
        with pytest.raises(PermissionDenied):
            open_tender(buyer, outsider)
    assert Release.objects.count() == 1


# Contracts


def test_signing_a_contract_publishes_it_against_its_award(buyer, supervisor):
    contract = signed(buyer, supervisor)
    release = Release.objects.filter(process=contract.process).order_by("-sequence").first()
    assert release is not None and release.tags == ["contract"]
    ocid = contract.process.ocid
    today = clock.now().date()
    assert release.data["contracts"] == [{
        "id": f"{ocid}-contract-1", "awardID": f"{ocid}-award-1",
        "title": "Mill Road resurfacing contract", "status": "active",
        "value": {"amount": 238500.5, "currency": "GBP"},
        "period": {"startDate": f"{today}T00:00:00Z",
                   "endDate": f"{today + dt.timedelta(days=90)}T23:59:59Z"},
        "dateSigned": f"{today}T00:00:00Z",
    }]  # fmt: skip


def test_a_contract_with_missing_fields_names_each_and_publishes_nothing(buyer, supervisor):
    award = awarded(buyer, supervisor)
    with pytest.raises(InvalidInput) as exc:
        services.contract_sign(
            award=award, title="", value_amount=None, period_start="", period_end=None,
            date_signed="", actor=supervisor,
        )  # fmt: skip
    assert fields_of(exc) == {
        "title": "Enter the contract's title",
        "value_amount": "Enter the contract's value",
        "period_start": "Enter the start date",
        "period_end": "Enter the end date",
        "date_signed": "Enter the date it was signed",
    }
    assert not Contract.objects.exists()
    assert Release.objects.count() == 2  # the tender and the award only


def test_a_contract_cannot_end_before_it_starts(buyer, supervisor):
    award = awarded(buyer, supervisor)
    with pytest.raises(InvalidInput) as exc:
        services.contract_sign(
            award=award, title="C", value_amount="5", period_start="2026-05-01",
            period_end="2026-04-01", date_signed="2020-01-01", actor=supervisor,
        )  # fmt: skip
    assert fields_of(exc) == {"period_end": "The end date must be on or after the start date"}


def test_completing_a_contract_is_a_termination_release_but_not_a_ledger_decision(
    buyer, supervisor
):
    contract = signed(buyer, supervisor)
    services.contract_complete(contract=contract, ended_on=clock.now().date(), actor=supervisor)
    release = Release.objects.filter(process=contract.process).order_by("-sequence").first()
    assert release is not None and release.tags == ["contractTermination"]
    assert release.data["contracts"][0]["status"] == "terminated"
    assert Entry.objects.filter(case_reference=contract.process.ocid).count() == 1  # the award


def test_terminating_early_needs_a_reason_and_is_a_ledger_decision(buyer, supervisor):
    contract = signed(buyer, supervisor)
    with pytest.raises(InvalidInput) as exc:
        services.contract_terminate(contract=contract, ended_on="", reason="", actor=supervisor)
    assert set(fields_of(exc)) == {"ended_on", "reason"}
    services.contract_terminate(
        contract=contract, ended_on=clock.now().date(), reason="Supplier went into administration",
        actor=supervisor,
    )  # fmt: skip
    contract.refresh_from_db()
    assert contract.status == "terminated" and contract.ending == "terminated-early"
    entries = [json.loads(bytes(e.body)) for e in Entry.objects.order_by("pk")]
    assert [(e["to"], e["outcome"]) for e in entries] == [
        ("awarded", "awarded"), ("terminated", "terminated-early"),
    ]  # fmt: skip
    assert all("administration" not in json.dumps(e) for e in entries)
    with pytest.raises(TransitionNotAllowed):
        services.contract_complete(contract=contract, ended_on=clock.now().date(), actor=supervisor)


def test_an_automated_award_is_recorded_as_such(buyer):
    robot = SystemActor("tests")
    awarded(buyer, robot)
    body = json.loads(bytes(Entry.objects.get().body))
    assert body["type"] == "automated-decision" and body["role"] == "automation"


def test_releases_are_never_rewritten_by_later_changes(buyer, supervisor):
    contract = signed(buyer, supervisor)
    first = Release.objects.get(process=contract.process, sequence=1)
    assert first.data["tender"]["status"] == "active" and "awards" not in first.data

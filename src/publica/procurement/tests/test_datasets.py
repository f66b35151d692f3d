"""The contracts and tenders datasets read one row per contract or tender, typed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from publica.opendata.registry import definition
from publica.procurement.datasets import DATASETS
from publica.procurement.tests.factories import open_tender, signed

pytestmark = pytest.mark.django_db


def test_the_registry_finds_both_datasets():
    assert [d.name for d in DATASETS] == ["contracts", "tenders"]
    assert all(d.frequency == "irregular" for d in DATASETS)


def test_the_contracts_dataset_names_buyer_supplier_and_value(buyer, supervisor):
    contract = signed(buyer, supervisor)
    found = definition("contracts")
    assert found is not None
    (row,) = found.table().values()
    assert row["ocid"] == contract.process.ocid and row["buyer"] == "Highways"
    assert row["supplier"] == "Tarmac and Kerb Ltd" and row["supplier_id"] == "GB-COH-01234567"
    assert row["value"] == Decimal("238500.50") and row["currency"] == "GBP"
    assert row["status"] == "active" and row["date_signed"] == contract.date_signed


def test_the_tenders_dataset_has_every_tender(buyer, supervisor):
    open_tender(buyer, supervisor)
    open_tender(buyer, supervisor, planned=True, period_end=None)
    found = definition("tenders")
    assert found is not None
    rows = list(found.table().values())
    assert sorted(r["status"] for r in rows) == ["active", "planned"]
    assert {c.name for c in found.table().columns} <= set(rows[0])

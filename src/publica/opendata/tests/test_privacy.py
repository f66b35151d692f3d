"""An attacker who knows a resident and roughly what they reported tries to find them, or
anything they wrote, in every published dataset and every download format, and fails."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pyarrow.parquet as pq
import pytest
from django.test import Client

from publica.accounts.models import Organisation, User
from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.cases.models import Case
from publica.cases.tests.factories import submit_permit, submit_pothole
from publica.catalogue.models import Service
from publica.opendata.registry import definitions
from publica.opendata.services import datasets_publish
from publica.spending.services import spend_import

pytestmark = pytest.mark.django_db

# The resident the attacker is after, with everything the council holds about them.
NAME, EMAIL, PHONE = "Ottoline Quibbleworth", "ottoline.q@example.net", "07700 900123"
HOME = {"latitude": 52.071234, "longitude": -1.123456, "address": "7 Larkspur Row"}
NOTE = "Quibbleworth here, hole outside my gate, I walk my dog past it at 7am"
SECRETS = (NAME, "Quibbleworth", EMAIL, PHONE, "Larkspur", "outside my gate", "MB24 XYZ",
           "52.071234", "-1.123456", "52.0712", "-1.1234")  # fmt: skip
# The council also paid her, as a foster carer: a payment to an individual.
PAYMENTS = f"""date,department,programme,supplier,payee_is_individual,description,amount,reference
2026-03-02,highways,Care,{NAME},yes,Fostering allowance,412.00,AP-1
2026-03-02,highways,Road maintenance,Tarmac Works Ltd,no,Resurfacing,48250.00,AP-2
"""


@pytest.fixture
def victim_reports(pothole: Service, parking_permit: Service, resident: User,
                   council: Organisation) -> Case:  # fmt: skip
    """Her one pothole report in a quiet street, her permit application, a payment to her,
    and twenty reports by others in the busy town centre, over several days."""
    hers = submit_pothole(
        pothole,
        location=HOME,
        description=NOTE,
        contact={"name": NAME, "email": EMAIL, "phone": PHONE},
    )
    submit_permit(parking_permit, resident)
    centre = {"latitude": 52.0312, "longitude": -0.9871, "address": "Market Square"}
    for day in range(20):
        other = submit_pothole(pothole, location=centre)
        Case.objects.filter(pk=other.pk).update(
            submitted_at=dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC) + dt.timedelta(days=day % 4)
        )
    admin = UserFactory(role=Role.ADMIN)
    spend_import(data=PAYMENTS.encode(), file_name="payments.csv", actor=admin)
    datasets_publish()
    return hers


def _every_download(client: Client) -> dict[str, str]:
    found = {}
    for name in definitions():
        for extension in ("csv", "json", "parquet"):
            response = client.get(f"/opendata/datasets/{name}/download.{extension}")
            assert response.status_code == 200, (name, extension)
            body = b"".join(response.streaming_content)
            if extension == "parquet":
                found[f"{name}.parquet"] = str(pq.read_table(io.BytesIO(body)).to_pylist())
            else:
                found[f"{name}.{extension}"] = body.decode()
        page = client.get(f"/opendata/datasets/{name}/")
        found[f"{name} page"] = page.content.decode()
    return found


def test_nothing_the_resident_gave_appears_in_any_dataset(
    client: Client, victim_reports: Case
) -> None:
    for where, text in _every_download(client).items():
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} published in {where}"
        assert victim_reports.reference not in text, f"the reference is published in {where}"
    assert "Tarmac Works Ltd" in _every_download(client)["spending.csv"]


def test_her_report_cannot_be_placed_on_her_street(client: Client, victim_reports: Case) -> None:
    downloads = _every_download(client)
    # No number with five or more decimals appears unless it is a grid centre (0.005 steps).
    for where, text in downloads.items():
        for number in re.findall(r"-?\d+\.\d{5,}", text):
            assert round(float(number) * 200) == pytest.approx(float(number) * 200), (where, number)
    # The cell around her home held only her report: its area is withheld.
    assert "5207:-113" not in downloads["service-requests.csv"]
    assert "5203:-99" in downloads["service-requests.csv"]


def test_no_published_count_is_between_one_and_four(client: Client, victim_reports: Case) -> None:
    downloads = _every_download(client)
    volumes = list(csv.DictReader(io.StringIO(downloads["daily-volumes.csv"])))
    parking = [row for row in volumes if row["service_code"] == "parking-permit"]
    assert parking and all(row["opened"] == "" for row in parking)
    for row in volumes:
        for count in (row["opened"], row["closed"]):
            assert count == "" or int(count) == 0 or int(count) >= 5, row
    for row in csv.DictReader(io.StringIO(downloads["sla-performance.csv"])):
        assert row["closed"] == "" or int(row["closed"]) >= 5, row

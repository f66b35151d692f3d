"""Publishing the datasets and rebuilding them on the worker's schedule."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from publica.accounts.models import Organisation
from publica.cases.tests.factories import submit_pothole
from publica.catalogue.models import Service
from publica.cli import main
from publica.core import clock
from publica.core.errors import InvalidInput, NotFound
from publica.opendata.models import Dataset
from publica.opendata.registry import definitions
from publica.opendata.services import dataset_refresh, datasets_publish, datasets_refresh_due
from publica.worker import JOBS

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def test_publishing_gives_every_registered_dataset_a_record_once(council: Organisation) -> None:
    datasets_publish()
    first = {record.name: record.id for record in Dataset.objects.all()}
    datasets_publish()
    assert set(first) == set(definitions())
    assert {record.name: record.id for record in Dataset.objects.all()} == first


def test_publishing_needs_an_organisation_to_publish_as(db: None) -> None:
    with pytest.raises(InvalidInput, match="organisation"):
        datasets_publish()


def test_the_worker_rebuilds_a_dataset_only_once_it_is_due(
    pothole: Service, council: Organisation, settings: object
) -> None:
    with clock.at(NOON):
        assert datasets_refresh_due() == len(definitions())  # never published: all of them
        submit_pothole(pothole)
        assert datasets_refresh_due() == 0
    assert Dataset.objects.get(name="service-requests").row_count == 0
    with clock.at(NOON + dt.timedelta(minutes=61)):
        assert datasets_refresh_due() == len(definitions())
    record = Dataset.objects.get(name="service-requests")
    assert (record.row_count, record.built_at) == (1, NOON + dt.timedelta(minutes=61))
    assert any(job.name == "open-data-refresh" for job in JOBS)


def test_rebuilding_an_unknown_dataset_is_refused(council: Organisation) -> None:
    with pytest.raises(NotFound):
        dataset_refresh(name="no-such-dataset")


def test_the_cli_builds_the_datasets_and_names_an_unknown_one(
    pothole: Service, council: Organisation
) -> None:
    submit_pothole(pothole)
    runner = CliRunner()
    built = runner.invoke(main, ["opendata", "publish"])
    assert built.exit_code == 0, built.output
    assert "service-requests: 1 rows" in built.output
    unknown = runner.invoke(main, ["opendata", "publish", "nothing-here"])
    assert unknown.exit_code == 1 and "nothing-here" in unknown.output


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_outside_a_transaction_sweeps_the_old_rows(pothole: Service) -> None:
    """On PostgreSQL this runs VACUUM, which a transaction would refuse."""
    Organisation.objects.create(slug="millbrook", name="Millbrook Council")
    submit_pothole(pothole)
    datasets_publish()
    assert dataset_refresh(name="service-requests").row_count == 1

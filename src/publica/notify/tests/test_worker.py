"""`publica worker --once`: every periodic job once, then every background task that is due."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from publica.cases.tests.factories import submit_pothole
from publica.cli import main
from publica.notify.models import Message, Status


@pytest.mark.django_db(transaction=True)  # the task worker commits as it goes, as in production
def test_one_pass_of_the_worker_delivers_what_is_queued(pothole, smtp):
    case = submit_pothole(pothole, contact={"email": "someone@example.org"})
    result = CliRunner().invoke(main, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "ledger-sequencing" in result.output and "sla-escalation" in result.output
    assert Message.objects.get().status == Status.DELIVERED
    assert case.reference in smtp.received[0]["Subject"]

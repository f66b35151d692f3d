"""A URL without an access rule breaks the build: add its row to tests/access/table.py."""

from __future__ import annotations

from tests.access.inventory import every_key
from tests.access.table import TABLE


def test_every_url_and_api_operation_has_a_row_in_the_access_table() -> None:
    missing = sorted(every_key() - set(TABLE))
    assert not missing, (
        "these URLs have no access rule; add a row to tests/access/table.py "
        "(see docs/access-control.md): " + ", ".join(missing)
    )


def test_the_access_table_names_only_urls_that_exist() -> None:
    stale = sorted(set(TABLE) - every_key())
    assert not stale, "rows for URLs that no longer exist: " + ", ".join(stale)

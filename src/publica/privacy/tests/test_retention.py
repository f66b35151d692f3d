"""The retention policy on its own: periods, plain words and erasure verdicts."""

import datetime as dt

from publica.privacy.retention import AFTER_RETENTION, ON_REQUEST, Policy, erasure_verdict

CLOSED = dt.datetime(2024, 1, 31, 12, tzinfo=dt.UTC)
DEFAULT = Policy(years=6, reason="The records schedule says six years.")


def test_a_service_without_a_retention_section_gets_the_default() -> None:
    assert Policy.from_definition({}, default=DEFAULT) is DEFAULT


def test_a_service_file_states_its_period_reason_and_erasure_rule() -> None:
    definition = {"retention": {"anonymise_after": {"years": 2, "months": 6}, "reason": "Appeals."}}
    policy = Policy.from_definition(definition, default=DEFAULT)
    assert (policy.years, policy.months, policy.days) == (2, 6, 0)
    assert policy.erasure == AFTER_RETENTION
    assert policy.describe() == "2 years and 6 months after the case closed"


def test_months_end_on_the_last_day_of_a_shorter_month() -> None:
    assert Policy(months=1).anonymise_at(CLOSED) == dt.datetime(2024, 2, 29, 12, tzinfo=dt.UTC)
    assert Policy(years=1).anonymise_at(CLOSED).date() == dt.date(2025, 1, 31)


def test_closed_before_is_the_inverse_of_anonymise_at() -> None:
    policy = Policy(years=2, days=10)
    now = dt.datetime(2026, 11, 21, 9, tzinfo=dt.UTC)
    cutoff = policy.closed_before(now)
    assert policy.anonymise_at(cutoff) <= now
    assert policy.anonymise_at(cutoff + dt.timedelta(days=2)) > now


def test_an_open_case_is_kept_with_the_reason_why() -> None:
    verdict = erasure_verdict(DEFAULT, closed_at=None, anonymised=False, now=CLOSED)
    assert verdict.action == "keep"
    assert "still open" in verdict.reason


def test_a_closed_case_is_kept_until_its_period_ends_unless_the_service_allows_erasure() -> None:
    now = CLOSED + dt.timedelta(days=30)
    kept = erasure_verdict(DEFAULT, closed_at=CLOSED, anonymised=False, now=now)
    assert kept.action == "keep"
    assert kept.until == dt.date(2030, 1, 31)
    assert "31 January 2030" in kept.reason and "six years" in kept.reason
    on_request = Policy(years=6, reason="x", erasure=ON_REQUEST)
    assert erasure_verdict(on_request, closed_at=CLOSED, anonymised=False, now=now).action == (
        "erase"
    )


def test_a_case_past_its_period_or_already_anonymised() -> None:
    later = CLOSED + dt.timedelta(days=7 * 366)
    assert erasure_verdict(DEFAULT, closed_at=CLOSED, anonymised=False, now=later).action == (
        "erase"
    )
    assert erasure_verdict(DEFAULT, closed_at=CLOSED, anonymised=True, now=later).action == "done"

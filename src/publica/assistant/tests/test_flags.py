"""Review flags: the pure checks and anomaly score, the protected-characteristics guard, and
the flag raised when a benefit claim is submitted, cleared or confirmed by staff."""

from __future__ import annotations

import datetime as dt
import logging
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publica.accounts.roles import Role
from publica.accounts.tests.factories import DepartmentFactory, UserFactory
from publica.assistant import flags
from publica.assistant.models import ReviewFlag
from publica.assistant.services.flags import (
    flag_review_clear,
    flag_review_confirm,
    flags_review,
)
from publica.assistant.tests import flag_fixtures
from publica.assistant.tests.flag_fixtures import ACCOUNT, ANSWERS
from publica.cases.models import Case
from publica.cases.services import case_submit
from publica.cases.tests.factories import submit_permit
from publica.catalogue import servicefile
from publica.catalogue.services import service_load
from publica.core.actors import SystemActor
from publica.core.errors import InvalidInput, PermissionDenied
from publica.demo.load import _claims_sharing_an_account
from publica.testing import DEMO_SERVICES, LOADER

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CTR_FILE = DEMO_SERVICES / "council-tax-reduction.yaml"

_no_kept_history = flag_fixtures._no_kept_history
claim = flag_fixtures.claim
ctr = flag_fixtures.ctr
officer = flag_fixtures.officer
revenues = flag_fixtures.revenues


def claim_at(reference: str, hours: float, **details: str) -> flags.Claim:
    """A pure claim `hours` after T0 with the given details, as `claim_from` makes them."""
    normalised = {name: flags.normalise(value) for name, value in details.items()}
    contacts = frozenset(f"{k}:{v}" for k, v in normalised.items() if k in ("email", "phone"))
    return flags.Claim(reference, T0 + dt.timedelta(hours=hours), normalised, contacts)


# Normalising details


def test_details_match_whatever_their_case_spacing_and_punctuation():
    assert flags.normalise("40 59-00.18") == flags.normalise("40590018")
    assert flags.normalise("12 Kiln Lane, MB1 2AA") == flags.normalise("12 kiln lane mb12aa")
    assert flags.normalise("+44 7700 900123", phone=True) == flags.normalise(
        "07700 900123", phone=True
    )
    assert flags.normalise(None) == "" and flags.normalise({"nested": 1}) == ""


@given(st.text(alphabet="abcdefXYZ0123456789 -.,", min_size=1))
def test_normalising_ignores_case_and_separators(text):
    assert flags.normalise(text.upper()) == flags.normalise(text.replace(" ", "").lower())


# The explicit checks


def test_a_bank_account_on_more_claims_than_allowed_is_found_with_references_only():
    rules = flags.Rules(fields={"bank_account": "bank_account"}, max_claims=3)
    earlier = [
        claim_at("CTR-2026-000001", 0, bank_account="12-34-56 1234 5678"),
        claim_at("CTR-2026-000002", 24, bank_account="123456 12345678"),
        claim_at("CTR-2026-000003", 48, bank_account="12345612345678"),
        claim_at("CTR-2026-000004", 50, bank_account="99999999999999"),
    ]
    new = claim_at("CTR-2026-000005", 72, bank_account="12 34 56 12345678")
    [finding] = flags.shared_details(new, earlier, rules)
    assert finding.check == "shared_bank_account"
    assert finding.reason == (
        "The same bank account is on 3 other claims in the last 30 days "
        "(CTR-2026-000001, CTR-2026-000002, CTR-2026-000003)."
    )
    assert "5678" not in finding.reason
    assert flags.shared_details(new, earlier[1:], rules) == []  # 3 claims: not more than 3


def test_claims_older_than_the_window_do_not_count():
    rules = flags.Rules(fields={"phone": "contact.phone"}, max_claims=1, window_days=30)
    old = claim_at("CTR-2026-000001", 0, phone="07700900123")
    new = claim_at("CTR-2026-000002", 31 * 24, phone="07700 900 123")
    assert flags.shared_details(new, [old], rules) == []
    recent = claim_at("CTR-2026-000003", 29 * 24, phone="07700900123")
    assert [f.references for f in flags.shared_details(new, [old, recent], rules)] == [
        ("CTR-2026-000003",)
    ]


def test_many_claims_from_one_email_in_a_short_time_are_found():
    rules = flags.Rules(burst_hours=24, burst_max=2)
    first = claim_at("CTR-2026-000001", 0, email="Sam@Example.org")
    second = claim_at("CTR-2026-000002", 5, email="sam@example.org")
    third = claim_at("CTR-2026-000003", 20, email="sam@example.org ")
    [finding] = flags.many_submissions(third, [first, second], rules)
    assert finding.reason == (
        "3 claims came from the same email address in 24 hours, counting this one "
        "(CTR-2026-000001, CTR-2026-000002)."
    )
    later = claim_at("CTR-2026-000004", 30, email="sam@example.org")
    assert flags.many_submissions(later, [first, second], rules) == []


def test_long_lists_of_claims_are_shortened_in_the_reason():
    rules = flags.Rules(fields={"address": "address"}, max_claims=1)
    earlier = [claim_at(f"CTR-2026-{n:06d}", n, address="1 Mill Row") for n in range(1, 9)]
    [finding] = flags.shared_details(claim_at("X", 10, address="1 mill row"), earlier, rules)
    assert finding.reason.endswith(
        "(CTR-2026-000001, CTR-2026-000002, CTR-2026-000003, "
        "CTR-2026-000004, CTR-2026-000005 and 3 more)."
    )


# The anomaly score


def synthetic_claims(count: int, rng: random.Random) -> list[flags.Claim]:
    return [
        flags.Claim(
            f"CTR-2026-{n:06d}",
            T0 + dt.timedelta(hours=7 * n),
            {"bank_account": f"acct{n}"},
            frozenset({f"email:claimant{n}"}),
            {"weekly_income": rng.gauss(250, 30), "savings": abs(rng.gauss(1500, 500))},
        )
        for n in range(count)
    ]


def test_an_extreme_claim_gets_a_high_anomaly_score_and_a_reason_saying_why():
    rules = flags.Rules(
        fields={"bank_account": "bank_account"}, features=("weekly_income", "savings")
    )
    past = synthetic_claims(200, random.Random(7))
    history = flags.vectors(past, rules)
    later = T0 + dt.timedelta(days=60)
    extreme = flags.Claim(
        "CTR-2026-999999",
        later,
        {"bank_account": "z"},
        frozenset({"email:z"}),
        {"weekly_income": 4000.0, "savings": 1500.0},
    )
    typical = flags.Claim(
        "CTR-2026-999998",
        later,
        {"bank_account": "y"},
        frozenset({"email:y"}),
        {"weekly_income": 250.0, "savings": 1500.0},
    )
    score, finding = flags.anomaly(flags.vector(extreme, past, rules), history, rules)
    typical_score, nothing = flags.anomaly(flags.vector(typical, past, rules), history, rules)
    assert finding is not None and nothing is None
    assert score > typical_score and score > 0.6
    assert finding.reason.startswith("Unusual next to the 200 recent claims of this service")
    assert "weekly income is higher than on all of them" in finding.reason
    assert "savings" not in finding.reason  # ordinary savings are not blamed


def test_the_anomaly_score_sees_only_the_configured_features_and_derived_counts():
    rules = flags.Rules(features=("weekly_income",))
    assert rules.feature_names == ("weekly_income", *flags.DERIVED_FEATURES)
    made = flags.claim_from(
        reference="CTR-2026-000001",
        submitted_at=T0,
        answers={"weekly_income": 200, "date_of_birth": "1950-01-01", "benefit": "none"},
        contact={"email": "a@example.org"},
        applicant_id=None,
        rules=rules,
    )
    assert made.numbers == {"weekly_income": 200.0}
    assert flags.vectors([made], rules).shape == (1, 4)


def test_review_runs_only_the_checks_the_rules_name():
    rules = flags.Rules(
        fields={"bank_account": "bank_account"},
        max_claims=1,
        checks=frozenset({"many_submissions"}),
    )
    earlier = [claim_at("A", 0, bank_account="1")]
    assert not flags.review(claim_at("B", 1, bank_account="1"), earlier, rules).flagged


# Protected characteristics are never features


PROTECTED = [
    "age",
    "date_of_birth",
    "dateOfBirth",
    "dob",
    "sex",
    "gender",
    "ethnicity",
    "ethnic_group",
    "race",
    "religion",
    "religious_belief",
    "disability",
    "disabled",
    "nationality",
    "marital_status",
    "civil_partnership",
    "pregnant",
    "maternity_leave",
    "sexual_orientation",
    "pension_age",
    "country_of_birth",
]


@pytest.mark.parametrize("name", PROTECTED)
def test_a_protected_characteristic_can_never_be_a_feature_or_a_compared_detail(name):
    with pytest.raises(flags.ProtectedCharacteristic, match="protected characteristic"):
        flags.Rules(features=(name,))
    with pytest.raises(flags.ProtectedCharacteristic):
        flags.Rules(fields={name: "bank_account"})
    with pytest.raises(flags.ProtectedCharacteristic):
        flags.Rules(fields={"detail": name})


@pytest.mark.parametrize(
    "name",
    [
        "weekly_income",
        "savings",
        "wages",
        "page_count",
        "household_size",
        "national_insurance_number",
        "bank_account",
        "backdate",
    ],
)
def test_ordinary_facts_are_allowed(name):
    assert flags.Rules(features=(name,)).features == (name,)


def service_file_with(review_flags: str) -> str:
    text = CTR_FILE.read_text(encoding="utf-8")
    start = text.index("review_flags:")
    end = text.index("notifications:")
    return text[:start] + review_flags + text[end:]


def test_the_service_file_refuses_a_protected_feature_even_when_only_its_question_says_so():
    with pytest.raises(InvalidInput) as caught:
        servicefile.parse(
            service_file_with("review_flags:\n  features: [savings, pension_age, other_adults]\n")
        )
    problems = {error.field: error.message for error in caught.value.errors}
    assert "protected characteristic (age)" in problems["review_flags.features.1"]
    assert "protected characteristic (aged)" in problems["review_flags.features.2"]
    assert "review_flags.features.0" not in problems


def test_the_service_file_checks_review_flag_fields_and_features_exist():
    with pytest.raises(InvalidInput) as caught:
        servicefile.parse(
            service_file_with(
                "review_flags:\n  fields: {bank_account: sort_code}\n  features: [benefit, rent]\n"
            )
        )
    problems = {error.field: error.message for error in caught.value.errors}
    assert "'sort_code' is not a question" in problems["review_flags.fields.bank_account"]
    assert "not a number or yes/no question" in problems["review_flags.features.0"]
    assert "'rent' is not a question" in problems["review_flags.features.1"]


def test_the_demo_council_tax_service_has_valid_review_flags():
    definition = servicefile.parse_file(CTR_FILE).data
    rules = flags.Rules.from_config(definition["review_flags"])
    assert rules.fields == {"council_tax_account": "account_number", "phone": "contact.phone"}
    assert "pension_age" not in rules.features


def test_a_service_without_review_flags_is_still_valid():
    definition = servicefile.parse(service_file_with("")).data
    assert "review_flags" not in definition


# Flags on submission


def test_the_third_claim_on_one_account_in_a_month_is_flagged_with_readable_reasons(claim):
    first, second = claim(days_ago=6), claim(days_ago=4)
    third = claim(days_ago=1)
    assert not first.flagged and not second.flagged
    flag = ReviewFlag.objects.get()
    assert flag.case == third and flag.state == ReviewFlag.State.OPEN
    assert flag.reasons == [
        f"The same council tax account is on 2 other claims in the last 30 days "
        f"({first.reference}, {second.reference})."
    ]
    assert flag.checks == ["shared_council_tax_account"]
    assert third.flagged and third.flag_reason == "Review flag: " + flag.reasons[0]
    assert ACCOUNT not in third.flag_reason
    event = third.events.get(kind="flagged")
    assert event.actor_label == "review-flags" and not event.public


def test_a_review_flag_never_rejects_or_moves_a_claim(claim):
    claim(days_ago=3)
    claim(days_ago=2)
    flagged = claim(days_ago=1)
    assert flagged.flagged
    assert flagged.state == "submitted" and flagged.outcome == "" and flagged.closed_at is None
    assert not flagged.events.filter(kind="transitioned").exists()


def test_claims_on_different_accounts_are_not_flagged(claim):
    for days, account in ((3, "40000001"), (2, "40000002"), (1, "40000003")):
        claim(days_ago=days, account_number=account)
    assert not ReviewFlag.objects.exists()


def test_a_service_without_review_flags_is_never_reviewed(parking_permit, resident):
    case = submit_permit(parking_permit, resident)
    assert flags_review(case=case, actor=SystemActor("tests")) is None


def test_an_unusual_claim_is_flagged_once_the_service_has_enough_claims(claim):
    rng = random.Random(3)
    for n in range(40):
        income, savings = round(rng.uniform(180, 320)), round(rng.uniform(0, 3000))
        claim(
            days_ago=200 - 4 * n,
            review=False,
            account_number=f"4{n:07d}",
            weekly_income=income,
            savings=savings,
        )
    unusual = claim(days_ago=1, account_number="49999999", weekly_income=9500.0, savings=1200.0)
    flag = ReviewFlag.objects.get()
    assert flag.case == unusual and flag.checks == []
    assert flag.anomaly_score is not None and flag.anomaly_score > 0.6
    [reason] = flag.reasons
    assert reason.startswith("Unusual next to the 40 recent claims of this service")
    assert "weekly income is higher than on all of them" in reason


def test_with_too_few_past_claims_only_the_explicit_checks_run(claim):
    for n in range(5):
        claim(days_ago=20 - n, review=False, account_number=f"4{n:07d}")
    claim(days_ago=1, account_number="49999999", weekly_income=9500.0)
    assert not ReviewFlag.objects.exists()


def test_reviewing_twice_keeps_the_first_flag(claim):
    claim(days_ago=3)
    claim(days_ago=2)
    third = claim(days_ago=1)
    flag = ReviewFlag.objects.get()
    assert flags_review(case=third, actor=SystemActor("tests")) == flag
    assert third.events.filter(kind="flagged").count() == 1


def test_a_review_that_fails_leaves_the_submission_and_the_case_unflagged(
    ctr, django_capture_on_commit_callbacks, caplog
):
    # A version stored before the guard existed, naming a protected characteristic.
    data = servicefile.parse_file(CTR_FILE).data
    data["review_flags"] = {**data["review_flags"], "features": ["date_of_birth"]}
    service_load(definition=servicefile.ServiceDefinition(data), actor=LOADER)
    ctr.refresh_from_db()
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        contact = {"email": "rowan@example.org", "phone": "07700 900123"}
        case = case_submit(service=ctr, data=ANSWERS, actor=None, contact=contact)
    case.refresh_from_db()
    assert case.reference.startswith("CTR-") and case.state == "submitted"
    assert not case.flagged and not ReviewFlag.objects.exists()
    assert f"case {case.pk} was not reviewed (ProtectedCharacteristic)" in caplog.text
    assert "rowan" not in caplog.text and ACCOUNT not in caplog.text and "07700" not in caplog.text


# Staff settle a flag


def test_clearing_a_flag_lifts_the_case_flag_and_writes_the_timeline(claim, officer):
    claim(days_ago=3)
    claim(days_ago=2)
    case = claim(days_ago=1)
    flag = flag_review_clear(flag=ReviewFlag.objects.get(), actor=officer, note="Same family")
    assert flag.state == ReviewFlag.State.CLEARED and flag.reviewed_by == officer
    assert flag.review_note == "Same family" and flag.reviewed_at is not None
    case.refresh_from_db()
    assert not case.flagged and case.state == "submitted"
    cleared = case.events.filter(kind="flag_cleared").get()
    assert cleared.data["reason"] == "Review flag cleared: nothing wrong found. Same family"
    assert cleared.actor == officer


def test_confirming_needs_a_note_and_is_recorded(claim, officer):
    claim(days_ago=3)
    claim(days_ago=2)
    case = claim(days_ago=1)
    flag = ReviewFlag.objects.get()
    with pytest.raises(InvalidInput) as caught:
        flag_review_confirm(flag=flag, actor=officer, note="  ")
    assert caught.value.errors[0].field == "note"
    flag = flag_review_confirm(flag=flag, actor=officer, note="Asked for bank statements")
    assert flag.state == ReviewFlag.State.CONFIRMED
    case.refresh_from_db()
    assert not case.flagged
    assert case.events.last().data["reason"] == "Review flag confirmed. Asked for bank statements"
    with pytest.raises(InvalidInput) as again:
        flag_review_clear(flag=flag, actor=officer)
    assert again.value.errors[0].field == "flag"
    assert "already confirmed" in again.value.errors[0].message


def test_a_flag_the_case_already_had_comes_back_when_the_review_is_cleared(claim, officer):
    claim(days_ago=3)
    claim(days_ago=2)
    case = claim(
        days_ago=1, backdate=True, backdate_reason="I was in hospital for six weeks from January."
    )
    assert case.flag_reason.startswith("Review flag: The same council tax account")
    assert case.flag_reason.endswith(
        "Also: Backdating requested; decide whether there was good cause"
    )
    flag_review_clear(flag=ReviewFlag.objects.get(), actor=officer)
    case.refresh_from_db()
    assert case.flagged
    assert case.flag_reason == "Backdating requested; decide whether there was good cause"
    assert case.events.filter(kind="note_added").get().data["text"] == (
        "Review flag cleared: nothing wrong found."
    )


def test_only_staff_of_the_cases_department_may_settle_a_flag(claim, revenues):
    for days in (3, 2, 1):
        claim(days_ago=days)
    flag = ReviewFlag.objects.get()
    elsewhere = UserFactory(role=Role.CASEWORKER, department=DepartmentFactory(slug="parks"))
    for actor in (elsewhere, UserFactory(auditor=True), UserFactory(role=Role.RESIDENT)):
        with pytest.raises(PermissionDenied):
            flag_review_clear(flag=flag, actor=actor)
    flag.refresh_from_db()
    assert flag.state == ReviewFlag.State.OPEN
    assert flag_review_clear(flag=flag, actor=revenues.supervisor).state == "cleared"


def test_the_demo_has_claims_sharing_an_account_and_the_last_is_flagged(
    ctr, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _claims_sharing_an_account(random.Random(1), ctr, flag_fixtures.NOW)
    flag = ReviewFlag.objects.get()
    assert flag.case == Case.objects.order_by("submitted_at").last()
    assert flag.reasons[0].startswith("The same council tax account is on 2 other claims")

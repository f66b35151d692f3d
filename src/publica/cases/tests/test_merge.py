"""Following a report, and staff merging a duplicate report into the one it repeats."""

from __future__ import annotations

import copy
import json

import pytest

from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.cases.models import CaseEvent, Follower
from publica.cases.services import case_follow, case_merge, case_transition
from publica.cases.tests.factories import submit_pothole
from publica.catalogue import servicefile
from publica.catalogue.models import Service
from publica.catalogue.services import service_load
from publica.core.errors import InvalidInput, NotFound, PermissionDenied, TransitionNotAllowed
from publica.ledger import entries
from publica.ledger.models import Entry
from publica.notify.models import Message, OptOut
from publica.testing import DEMO_SERVICES, LOADER

pytestmark = pytest.mark.django_db

Kind = CaseEvent.Kind


def test_a_resident_follows_a_report_by_email_once(pothole) -> None:
    case = submit_pothole(pothole)
    follower = case_follow(case=case, actor=None, email="neighbour@example.org")
    again = case_follow(case=case, actor=None, email="Neighbour@example.org")
    assert again.pk == follower.pk and follower.email == "neighbour@example.org"
    events = list(case.events.filter(kind=Kind.FOLLOWED))
    assert len(events) == 1 and not events[0].public
    assert "neighbour" not in json.dumps(events[0].data)


def test_a_signed_in_resident_follows_with_their_account(pothole, resident) -> None:
    case = submit_pothole(pothole)
    follower = case_follow(case=case, actor=resident)
    assert follower.user == resident and follower.email == ""


@pytest.mark.parametrize(
    ("email", "message"),
    [("", "enter your email address"), ("not-an-email", "like name@example.com")],
)
def test_following_without_a_good_email_names_the_field(pothole, email, message) -> None:
    case = submit_pothole(pothole)
    with pytest.raises(InvalidInput) as caught:
        case_follow(case=case, actor=None, email=email)
    assert caught.value.errors[0].field == "email" and message in caught.value.errors[0].message
    assert not Follower.objects.exists()


def test_the_reporter_cannot_follow_their_own_report_and_staff_do_not_follow(
    pothole, caseworker
) -> None:
    case = submit_pothole(pothole, contact={"email": "reporter@example.org"})
    with pytest.raises(InvalidInput) as caught:
        case_follow(case=case, actor=None, email="REPORTER@example.org")
    assert caught.value.errors[0].field == "case"
    with pytest.raises(PermissionDenied):
        case_follow(case=case, actor=caseworker)


def test_a_closed_report_cannot_be_followed(pothole, caseworker) -> None:
    case = submit_pothole(pothole)
    case_transition(case=case, to="no_action", actor=caseworker, reason="Nothing there")
    with pytest.raises(TransitionNotAllowed):
        case_follow(case=case, actor=None, email="late@example.org")


def test_merging_closes_the_child_links_it_and_writes_both_timelines(pothole, caseworker) -> None:
    parent = submit_pothole(pothole, contact={"email": "first@example.org"})
    child = submit_pothole(pothole, contact={"email": "second@example.org"})

    merged = case_merge(child=child, parent=parent, actor=caseworker, reason="Same hole")

    assert merged.duplicate_of == parent and merged.state == "duplicate"
    assert merged.closed_at is not None and merged.outcome == "resolved"
    child_event = child.events.get(kind=Kind.MERGED)
    parent_event = parent.events.get(kind=Kind.MERGED)
    assert child_event.public and not parent_event.public
    assert child_event.data["parent"] == parent.reference == parent_event.data["parent"]
    assert parent_event.data["child"] == child.reference
    assert "Same hole" in child_event.data["text"]
    closing = child.events.get(kind=Kind.TRANSITIONED)
    assert closing.data["to"] == "duplicate"
    # the reporter of the duplicate heard that it was already reported
    told = Message.objects.get(event=closing, channel="email")
    assert told.recipient == "second@example.org" and "already reported" in told.text
    follower = Follower.objects.get(case=parent)
    assert follower.email == "second@example.org" and follower.merged_from == child


def test_a_merge_is_in_the_ledger_with_both_references_and_nothing_personal(
    pothole, caseworker
) -> None:
    parent = submit_pothole(pothole, contact={"email": "first@example.org"})
    child = submit_pothole(
        pothole, contact={"email": "second@example.org", "name": "Bea Quill"},
        description="Outside Bea's house",
    )  # fmt: skip
    case_merge(child=child, parent=parent, actor=caseworker, reason="Bea again")
    entry = Entry.objects.get(kind="merged")
    body = json.loads(bytes(entry.body))
    assert set(body) == entries.MERGE_FIELDS
    assert (body["case"], body["into"], body["to"]) == (
        child.reference,
        parent.reference,
        "duplicate",
    )
    raw = bytes(entry.body).decode().lower()
    for secret in ("second@example.org", "bea quill", "bea's house", "bea again",
                   caseworker.username.lower()):  # fmt: skip
        assert secret not in raw


def test_followers_get_the_parents_public_updates_through_the_outbox(
    pothole, caseworker, resident
) -> None:
    parent = submit_pothole(pothole, contact={"email": "first@example.org"})
    child = submit_pothole(pothole, resident, contact={})
    case_follow(case=parent, actor=None, email="neighbour@example.org")
    case_follow(case=parent, actor=None, email="quiet@example.org")
    OptOut.objects.create(address="quiet@example.org", created_at=parent.submitted_at)
    case_merge(child=child, parent=parent, actor=caseworker)

    case_transition(case=parent, to="inspecting", actor=caseworker)

    step = parent.events.get(kind=Kind.TRANSITIONED)
    sent = Message.objects.filter(event=step, channel="email")
    followers = {m.recipient: m for m in sent if m.kind == "case.followed_update"}
    assert set(followers) == {"neighbour@example.org", resident.email.lower()}
    message = followers["neighbour@example.org"]
    assert not message.essential and "/notifications/" in message.text
    assert f"/reports/{parent.reference}/" in message.text
    assert "first@example.org" in {m.recipient for m in sent}  # the reporter, as before


def test_only_staff_of_the_department_merge(pothole, caseworker, resident, parking_officer) -> None:
    parent, child = submit_pothole(pothole), submit_pothole(pothole)
    for outsider in (resident, parking_officer):
        with pytest.raises(PermissionDenied):
            case_merge(child=child, parent=parent, actor=outsider)
    child.refresh_from_db()
    assert child.duplicate_of is None and child.closed_at is None
    assert not Entry.objects.filter(kind="merged").exists()


@pytest.mark.parametrize("problem", ["itself", "closed parent", "merged parent"])
def test_a_merge_that_cannot_be_names_the_parent_field(pothole, caseworker, problem) -> None:
    parent, child = submit_pothole(pothole), submit_pothole(pothole)
    if problem == "itself":
        parent = child
    elif problem == "closed parent":
        case_transition(case=parent, to="no_action", actor=caseworker, reason="Nothing there")
    else:
        case_merge(child=parent, parent=submit_pothole(pothole), actor=caseworker)
    parent.refresh_from_db()
    with pytest.raises(InvalidInput) as caught:
        case_merge(child=child, parent=parent, actor=caseworker)
    assert caught.value.errors[0].field == "parent"
    child.refresh_from_db()
    assert child.duplicate_of is None and child.closed_at is None


def test_a_workflow_without_a_step_to_duplicate_refuses_the_merge(pothole, caseworker) -> None:
    parent, child = submit_pothole(pothole), submit_pothole(pothole)
    case_transition(case=child, to="repair_scheduled", actor=caseworker)
    with pytest.raises(TransitionNotAllowed, match="no step from 'repair_scheduled'"):
        case_merge(child=child, parent=parent, actor=caseworker)
    child.refresh_from_db()
    assert child.duplicate_of is None and not child.events.filter(kind=Kind.MERGED).exists()


def test_a_report_kept_private_cannot_be_followed(pothole) -> None:
    data = copy.deepcopy(servicefile.parse_file(DEMO_SERVICES / "pothole.yaml").data)
    data["public_requests"] = False
    service_load(definition=servicefile.ServiceDefinition(data), actor=LOADER)
    case = submit_pothole(Service.objects.get(slug="pothole"))
    with pytest.raises(NotFound):
        case_follow(case=case, actor=None, email="curious@example.org")
    assert not Follower.objects.exists()


def test_the_workflow_decides_which_roles_may_close_as_duplicate(pothole) -> None:
    admin = UserFactory(role=Role.ADMIN)
    parent, child = submit_pothole(pothole), submit_pothole(pothole)
    # the pothole workflow lets caseworkers and supervisors close as duplicate, not admins
    with pytest.raises(PermissionDenied):
        case_merge(child=child, parent=parent, actor=admin)

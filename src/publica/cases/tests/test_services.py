"""Every case service function, including its failure paths."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from publica.accounts.roles import Role
from publica.accounts.tests.factories import DepartmentFactory, UserFactory
from publica.cases import selectors, services
from publica.cases.models import Case, CaseEvent, InformationRequest, ReferenceSequence
from publica.cases.services import case_check_registers, case_submit
from publica.cases.tests.factories import (
    PERMIT_ANSWERS,
    confirm_by_registers,
    submit_permit,
    submit_pothole,
)
from publica.core import clock
from publica.core.errors import (
    InvalidInput,
    PermissionDenied,
    StaleUpdate,
    TransitionNotAllowed,
)

pytestmark = pytest.mark.django_db
MONDAY_10AM = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def kinds(case: Case) -> list[str]:
    return list(case.events.values_list("kind", flat=True))


# Submitting


def test_submit_gives_a_yearly_reference_routes_to_the_department_and_records_the_event(
    pothole, resident
):
    with clock.at(MONDAY_10AM):
        first = submit_pothole(pothole, resident)
        second = submit_pothole(pothole, resident)
    assert first.reference == "PTH-2026-000001"
    assert second.reference == "PTH-2026-000002"
    assert first.department.slug == "highways"
    assert first.state == "submitted"
    assert first.applicant == resident
    assert first.service_version == pothole.current_version
    assert (first.latitude, first.longitude) == (52.03, -0.98)
    event = first.events.get()
    assert (event.kind, event.public, event.actor, event.actor_role) == (
        "submitted", True, resident, "applicant",
    )  # fmt: skip


def test_submit_sets_the_due_date_from_the_working_day_sla(pothole, resident):
    with clock.at(MONDAY_10AM):
        case = submit_pothole(pothole, resident)
    # 10 working days from Monday 2 March 2026 is Monday 16 March, same time of day.
    assert timezone.localtime(case.due_at).date() == dt.date(2026, 3, 16)
    assert case.due_at - case.submitted_at == dt.timedelta(days=14)


def test_submit_rejects_answers_that_break_the_schema_naming_each_field_and_writes_nothing(
    pothole, resident
):
    with pytest.raises(InvalidInput) as caught:
        submit_pothole(pothole, resident, road_type="motorway", size=None, depth_mm=-4)
    fields = {error.field for error in caught.value.errors}
    assert fields == {"road_type", "size", "depth_mm"}
    assert "choose one of" in str(caught.value)
    assert not Case.objects.exists()
    assert not CaseEvent.objects.exists()
    assert not ReferenceSequence.objects.exists()


def test_submit_names_a_missing_required_answer_by_its_field(pothole, resident):
    with pytest.raises(InvalidInput) as caught:
        services.case_submit(service=pothole, data={"road_type": "main"}, actor=resident)
    assert {e.field for e in caught.value.errors} == {"location", "size"}


def test_submit_rejects_a_bad_contact_email(pothole):
    with pytest.raises(InvalidInput) as caught:
        submit_pothole(pothole, None, contact={"email": "not-an-address"})
    assert caught.value.errors[0].field == "contact.email"
    assert not Case.objects.exists()


def test_anonymous_public_can_report_with_an_email(pothole):
    case = submit_pothole(pothole, None, contact={"email": "someone@example.org"})
    assert case.applicant is None
    assert case.contact_email == "someone@example.org"
    assert case.events.get().actor_role == "public"


def test_auditor_and_service_designer_cannot_submit(pothole):
    for traits in ({"auditor": True}, {"designer": True}):
        with pytest.raises(PermissionDenied):
            submit_pothole(pothole, UserFactory(**traits))
    assert not Case.objects.exists()


def test_inactive_service_takes_no_submissions(pothole, resident):
    pothole.is_active = False
    pothole.save()
    with pytest.raises(InvalidInput, match="not taking submissions"):
        submit_pothole(pothole, resident)


# Automation


def test_pothole_on_a_main_road_gets_high_priority_from_its_rule(pothole, resident):
    case = submit_pothole(pothole, resident, road_type="main")
    assert case.priority == "high"
    change = case.events.get(kind="priority_changed")
    assert change.actor_label == "rule:main-road-priority"
    assert change.data["reason"] == "Reported on a main road"


def test_deep_main_road_pothole_is_urgent_and_scheduled_by_rules(pothole, resident):
    case = submit_pothole(pothole, resident, road_type="main", depth_mm=60)
    assert (case.priority, case.state) == ("urgent", "repair_scheduled")
    transition = case.events.get(kind="transitioned")
    assert transition.actor_role == "automation"
    assert transition.data["from"] == "submitted"


def test_residential_pothole_keeps_normal_priority(pothole, resident):
    case = submit_pothole(pothole, resident)
    assert case.priority == "normal"
    assert kinds(case) == ["submitted"]


def test_permit_for_a_zone_street_with_own_vehicle_is_approved_automatically(
    parking_permit, resident
):
    case = submit_permit(parking_permit, resident)
    assert (case.state, case.outcome) == ("approved", "approved")
    assert case.closed_at is not None
    decision = case.events.get(kind="transitioned")
    assert decision.actor_label == "rule:auto-approve-from-register-facts"
    assert "approved" in decision.data["message"]
    assert case.reference in decision.data["message"]


def test_permit_outside_the_zones_waits_for_a_person_and_is_flagged(parking_permit, resident):
    case = submit_permit(parking_permit, resident, street="Nowhere Road")
    assert case.state == "submitted"
    assert case.flagged
    assert "not on the list" in case.flag_reason


def test_permit_not_kept_by_the_applicant_is_not_auto_approved(parking_permit, resident):
    case = case_submit(service=parking_permit, data=PERMIT_ANSWERS, actor=resident)
    case = confirm_by_registers(case, vehicles=[])
    assert case.state == "submitted"
    assert case.flagged and "keeper" in case.flag_reason


def test_a_permit_the_registers_have_not_confirmed_waits_for_a_person(parking_permit, resident):
    case = case_submit(service=parking_permit, data=PERMIT_ANSWERS, actor=resident)
    assert case.state == "submitted"
    assert not case.flagged


def test_only_the_exchange_hands_register_answers_to_a_case(parking_permit, resident):
    case = case_submit(service=parking_permit, data=PERMIT_ANSWERS, actor=resident)
    with pytest.raises(PermissionDenied):
        case_check_registers(case=case, facts={}, actor=resident)  # type: ignore[arg-type]


def test_a_rule_that_cannot_be_evaluated_is_recorded_and_the_submission_still_lands(
    pothole, resident
):
    definition = pothole.current_version.definition
    definition["automation"].append(
        {"name": "broken", "on": ["submitted"], "when": "data.nope == 1", "then": {"flag": "x"}}
    )
    version = pothole.current_version
    type(version).objects.filter(pk=version.pk).update(definition=definition)
    pothole.refresh_from_db()
    case = submit_pothole(pothole, resident)
    failure = case.events.get(kind="rule_failed")
    assert failure.data["rule"] == "broken"
    assert "nope" in failure.data["error"]
    assert not case.flagged


# Transitions


def test_caseworker_moves_a_case_along_the_workflow_and_the_version_rises(
    pothole, resident, caseworker
):
    case = submit_pothole(pothole, resident)
    before = case.version
    case = services.case_transition(case=case, to="inspecting", actor=caseworker, reason="Booked")
    assert case.state == "inspecting"
    assert case.version == before + 1
    event = case.events.get(kind="transitioned")
    assert event.data["reason"] == "Booked"
    assert event.actor == caseworker


def test_transition_not_in_the_workflow_is_refused_and_names_the_allowed_steps(
    pothole, resident, caseworker
):
    case = submit_pothole(pothole, resident)
    with pytest.raises(TransitionNotAllowed) as caught:
        services.case_transition(case=case, to="repaired", actor=caseworker)
    assert "allowed from 'submitted'" in str(caught.value)
    assert "inspecting" in str(caught.value)
    case.refresh_from_db()
    assert case.state == "submitted"
    assert kinds(case) == ["submitted"]


def test_transition_to_an_unknown_state_is_refused(pothole, resident, caseworker):
    case = submit_pothole(pothole, resident)
    with pytest.raises(TransitionNotAllowed, match="no state named 'done'"):
        services.case_transition(case=case, to="done", actor=caseworker)


def test_resident_cannot_fire_a_staff_transition(pothole, resident):
    case = submit_pothole(pothole, resident)
    with pytest.raises(PermissionDenied, match="resident may not"):
        services.case_transition(case=case, to="inspecting", actor=resident)


def test_caseworker_cannot_act_on_another_departments_case(pothole, resident, parking_officer):
    case = submit_pothole(pothole, resident)
    with pytest.raises(PermissionDenied, match="another department"):
        services.case_transition(case=case, to="inspecting", actor=parking_officer)


def test_auditor_cannot_change_a_case_but_admin_can(pothole, resident):
    case = submit_pothole(pothole, resident)
    with pytest.raises(PermissionDenied):
        services.case_transition(case=case, to="inspecting", actor=UserFactory(auditor=True))
    # An admin is not listed on the step, so even an admin goes through the workflow's roles.
    with pytest.raises(PermissionDenied):
        services.case_transition(case=case, to="inspecting", actor=UserFactory(admin=True))


def test_stale_update_is_refused_and_changes_nothing(pothole, resident, caseworker):
    case = submit_pothole(pothole, resident)
    read_version = case.version
    services.case_add_note(case=case, text="Called the crew", actor=caseworker)
    with pytest.raises(StaleUpdate, match="changed since you read it"):
        services.case_transition(
            case=case, to="inspecting", actor=caseworker, expected_version=read_version
        )
    case.refresh_from_db()
    assert case.state == "submitted"
    assert case.version == read_version + 1


def test_closed_case_takes_no_more_transitions(pothole, resident, caseworker):
    case = submit_pothole(pothole, resident)
    case = services.case_transition(case=case, to="no_action", actor=caseworker, reason="Fine")
    assert (case.outcome, case.closed_at is not None) == ("rejected", True)
    with pytest.raises(TransitionNotAllowed, match="is closed"):
        services.case_transition(case=case, to="inspecting", actor=caseworker)


# Withdrawal


def test_applicant_withdraws_their_case(pothole, resident):
    case = submit_pothole(pothole, resident)
    case = services.case_withdraw(case=case, actor=resident, reason="Fixed by a neighbour")
    assert (case.state, case.outcome) == ("withdrawn", "withdrawn")
    assert case.events.get(kind="transitioned").actor_role == "applicant"


def test_nobody_else_can_withdraw_a_residents_case(pothole, resident, caseworker):
    case = submit_pothole(pothole, resident)
    for someone in (UserFactory(role=Role.RESIDENT), caseworker):
        with pytest.raises(PermissionDenied):
            services.case_withdraw(case=case, actor=someone)
    case.refresh_from_db()
    assert case.state == "submitted"


def test_withdrawal_is_refused_once_work_is_scheduled(pothole, resident, caseworker):
    case = submit_pothole(pothole, resident)
    services.case_transition(case=case, to="repair_scheduled", actor=caseworker)
    with pytest.raises(TransitionNotAllowed, match="cannot be withdrawn"):
        services.case_withdraw(case=case, actor=resident)


# Notes, assignment, priority, flags


def test_internal_note_is_hidden_from_the_applicant_and_public_note_is_shown(
    pothole, resident, caseworker
):
    case = submit_pothole(pothole, resident)
    services.case_add_note(case=case, text="Crew notes", actor=caseworker)
    services.case_add_note(case=case, text="We have been out", actor=caseworker, public=True)
    seen_by_resident = selectors.case_timeline(case=case, actor=resident)
    seen_by_staff = selectors.case_timeline(case=case, actor=caseworker)
    assert [e.data.get("text") for e in seen_by_resident] == [None, "We have been out"]
    assert len(seen_by_staff) == 3


def test_empty_note_is_refused(pothole, resident, caseworker):
    case = submit_pothole(pothole, resident)
    with pytest.raises(InvalidInput) as caught:
        services.case_add_note(case=case, text="   ", actor=caseworker)
    assert caught.value.errors[0].field == "text"


def test_resident_cannot_add_a_note(pothole, resident):
    case = submit_pothole(pothole, resident)
    with pytest.raises(PermissionDenied):
        services.case_add_note(case=case, text="hello", actor=resident)


def test_supervisor_assigns_a_caseworker_of_the_department(
    pothole, resident, supervisor, caseworker
):
    case = submit_pothole(pothole, resident)
    case = services.case_assign(case=case, assignee=caseworker, actor=supervisor)
    assert case.assignee == caseworker
    assert case.events.get(kind="assigned").data == {"from": None, "to": caseworker.pk}


def test_caseworker_may_take_a_case_but_not_give_it_to_someone_else(
    pothole, resident, caseworker, highways
):
    case = submit_pothole(pothole, resident)
    colleague = UserFactory(role=Role.CASEWORKER, department=highways)
    with pytest.raises(PermissionDenied, match="only take a case"):
        services.case_assign(case=case, assignee=colleague, actor=caseworker)
    case = services.case_assign(case=case, assignee=caseworker, actor=caseworker)
    assert case.assignee == caseworker
    case = services.case_assign(case=case, assignee=None, actor=caseworker)
    assert case.assignee is None


def test_case_cannot_be_assigned_to_staff_of_another_department(
    pothole, resident, supervisor, parking_officer
):
    case = submit_pothole(pothole, resident)
    with pytest.raises(PermissionDenied, match="cannot work cases of Highways"):
        services.case_assign(case=case, assignee=parking_officer, actor=supervisor)


def test_staff_set_priority_and_an_unknown_priority_is_refused(pothole, resident, caseworker):
    case = submit_pothole(pothole, resident)
    case = services.case_set_priority(case=case, priority="urgent", actor=caseworker)
    assert case.priority == "urgent"
    with pytest.raises(InvalidInput) as caught:
        services.case_set_priority(case=case, priority="asap", actor=caseworker)
    assert caught.value.errors[0].field == "priority"


def test_flag_and_clear_flag(pothole, resident, caseworker):
    case = submit_pothole(pothole, resident)
    case = services.case_flag(case=case, reason="Looks like a duplicate", actor=caseworker)
    assert case.flagged and case.flag_reason == "Looks like a duplicate"
    case = services.case_clear_flag(case=case, actor=caseworker, reason="Checked")
    assert not case.flagged
    assert kinds(case)[-2:] == ["flagged", "flag_cleared"]


# Requests for information and the SLA clock


def test_request_for_information_pauses_the_sla_clock_until_answered(pothole, resident, caseworker):
    with clock.at(MONDAY_10AM):
        case = submit_pothole(pothole, resident)
    due = case.due_at
    with clock.at(MONDAY_10AM + dt.timedelta(days=1)):
        request = services.case_request_info(
            case=case, question="Is it near a drain?", actor=caseworker
        )
    case.refresh_from_db()
    assert case.is_awaiting_info
    with clock.at(MONDAY_10AM + dt.timedelta(days=4)):
        services.case_provide_info(request=request, answer="Yes, by the drain", actor=resident)
    case.refresh_from_db()
    assert not case.is_awaiting_info
    assert case.due_at == due + dt.timedelta(days=3)
    assert case.sla_paused_seconds == 3 * 86400
    request.refresh_from_db()
    assert request.answer == "Yes, by the drain"
    assert kinds(case) == ["submitted", "info_requested", "info_provided"]


def test_the_clock_restarts_only_when_every_question_is_answered(pothole, resident, caseworker):
    case = submit_pothole(pothole, resident)
    first = services.case_request_info(case=case, question="Photo?", actor=caseworker)
    services.case_request_info(case=case, question="Depth?", actor=caseworker)
    services.case_provide_info(request=first, answer="Sent", actor=resident)
    case.refresh_from_db()
    assert case.is_awaiting_info


def test_a_question_is_answered_once_and_only_by_the_applicant_or_staff(
    pothole, resident, caseworker
):
    case = submit_pothole(pothole, resident)
    request = services.case_request_info(case=case, question="Photo?", actor=caseworker)
    with pytest.raises(PermissionDenied):
        services.case_provide_info(
            request=request, answer="Not mine", actor=UserFactory(role=Role.RESIDENT)
        )
    services.case_provide_info(request=request, answer="Sent", actor=resident)
    with pytest.raises(InvalidInput, match="already answered"):
        services.case_provide_info(request=request, answer="Again", actor=resident)


def test_cannot_ask_an_applicant_who_left_no_way_to_be_reached(pothole, caseworker):
    case = submit_pothole(pothole, None, contact={})
    with pytest.raises(InvalidInput, match="no applicant account or email"):
        services.case_request_info(case=case, question="Photo?", actor=caseworker)
    assert not InformationRequest.objects.exists()


def test_empty_question_and_empty_answer_are_refused(pothole, resident, caseworker):
    case = submit_pothole(pothole, resident)
    with pytest.raises(InvalidInput):
        services.case_request_info(case=case, question="", actor=caseworker)
    request = services.case_request_info(case=case, question="Photo?", actor=caseworker)
    with pytest.raises(InvalidInput):
        services.case_provide_info(request=request, answer=" ", actor=resident)


# SLA escalation


def test_overdue_case_is_flagged_once_and_its_supervisor_recorded(pothole, resident, supervisor):
    with clock.at(MONDAY_10AM):
        late = submit_pothole(pothole, resident)
        on_time = submit_pothole(pothole, resident)
    on_time.due_at = MONDAY_10AM + dt.timedelta(days=60)
    on_time.save()
    with clock.at(MONDAY_10AM + dt.timedelta(days=30)):
        escalated = services.case_escalate_overdue()
        again = services.case_escalate_overdue()
    assert [case.pk for case in escalated] == [late.pk]
    assert again == []
    late.refresh_from_db()
    assert late.flagged and late.flag_reason.startswith("Overdue since")
    event = late.events.get(kind="escalated")
    assert event.data["supervisor"] == supervisor.pk
    assert event.data["supervisor_name"] == str(supervisor)


def test_case_waiting_on_the_applicant_is_not_escalated(pothole, resident, caseworker):
    with clock.at(MONDAY_10AM):
        case = submit_pothole(pothole, resident)
        services.case_request_info(case=case, question="Photo?", actor=caseworker)
    with clock.at(MONDAY_10AM + dt.timedelta(days=30)):
        assert services.case_escalate_overdue() == []


# The timeline


def test_timeline_events_can_be_neither_changed_nor_deleted(pothole, resident):
    event = submit_pothole(pothole, resident).events.get()
    event.data = {"tampered": True}
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_reference_sequences_are_per_prefix_and_year(pothole, parking_permit, resident):
    with clock.at(MONDAY_10AM):
        pothole_case = submit_pothole(pothole, resident)
        permit = submit_permit(parking_permit, resident)
    with clock.at(MONDAY_10AM.replace(year=2027)):
        next_year = submit_pothole(pothole, resident)
    assert pothole_case.reference == "PTH-2026-000001"
    assert permit.reference == "PKP-2026-000001"
    assert next_year.reference == "PTH-2027-000001"
    assert re.fullmatch(r"[A-Z]{2,4}-\d{4}-\d{6}", permit.reference)


def test_department_is_taken_from_the_service_at_submission(pothole, resident):
    other = DepartmentFactory(slug="roads-north")
    case = submit_pothole(pothole, resident)
    pothole.department = other
    pothole.save()
    case.refresh_from_db()
    assert case.department.slug == "highways"


def test_a_step_that_requires_a_reason_is_refused_without_one(pothole, resident, caseworker):
    case = submit_pothole(pothole, resident)
    with pytest.raises(InvalidInput) as caught:
        services.case_transition(case=case, to="no_action", actor=caseworker, reason="  ")
    assert caught.value.errors[0].field == "reason"
    case.refresh_from_db()
    assert case.state == "submitted"

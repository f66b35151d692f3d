"""The report classifier: the pure pipeline, training, suggestions, routing and the queue."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.assistant import triage as classifier
from publica.assistant.models import Triage, TriageModel
from publica.assistant.selectors.triage import model_active, triage_queue
from publica.assistant.services.triage import (
    triage_case,
    triage_confirm,
    triage_move,
    triage_suggest,
    triage_train,
    triage_train_if_due,
)
from publica.assistant.tests import triage_fixtures
from publica.assistant.tests.triage_fixtures import REPORTS, TESTS, report
from publica.cases.models import CaseEvent
from publica.cases.services import case_recategorise, case_transition
from publica.core import clock
from publica.core.errors import InvalidInput, PermissionDenied, TransitionNotAllowed

# Fixtures shared by the triage tests.
model = triage_fixtures.model
reports = triage_fixtures.reports
waste = triage_fixtures.waste

# The pure pipeline


def _invented() -> tuple[list[str], list[str]]:
    texts = [text for texts in REPORTS.values() for text in texts]
    labels = [slug for slug, texts in REPORTS.items() for _ in texts]
    return texts, labels


def test_fitting_scores_the_model_on_a_stratified_held_back_split():
    texts, labels = _invented()
    fitted = classifier.fit(texts, labels)
    assert fitted.samples == 18
    assert fitted.scores.held_out == 4  # a fifth of 18, at least one of each service
    assert set(fitted.scores.report) <= set(REPORTS)
    assert 0.0 <= fitted.scores.accuracy <= 1.0 and 0.0 <= fitted.scores.macro_f1 <= 1.0
    assert fitted.services == sorted(REPORTS)


def test_a_clear_report_ranks_its_service_first_with_probabilities_that_sum_below_one():
    texts, labels = _invented()
    ranked = classifier.rank(classifier.fit(texts, labels).pipeline, "lamp post is dark", top=3)
    assert ranked[0][0] == "streetlight"
    assert [c for _, c in ranked] == sorted((c for _, c in ranked), reverse=True)
    assert sum(c for _, c in ranked) <= 1.0001


def test_catalogue_texts_teach_a_service_without_cases_and_are_never_scored():
    texts, labels = _invented()
    catalogue = [("noise from loud music and barking dogs", "noise"), ("noisy neighbours", "noise")]
    fitted = classifier.fit(texts, labels, catalogue=catalogue)
    assert "noise" in fitted.services and "noise" not in fitted.scores.report
    ranked = classifier.rank(fitted.pipeline, "my neighbours play loud music", top=1)
    assert ranked[0][0] == "noise"


def test_too_few_cases_to_hold_back_still_give_a_model_without_scores():
    fitted = classifier.fit(["hole in road", "lamp out"], ["pothole", "streetlight"])
    assert fitted.scores.held_out == 0 and fitted.scores.accuracy == 0.0


def test_one_service_alone_cannot_be_learnt():
    with pytest.raises(ValueError):
        classifier.fit(["hole in road", "another hole"], ["pothole", "pothole"])


def test_a_fitted_pipeline_survives_serialisation():
    texts, labels = _invented()
    pipeline = classifier.fit(texts, labels).pipeline
    again = classifier.loads(classifier.dumps(pipeline))
    assert classifier.rank(again, "rubbish dumped") == classifier.rank(pipeline, "rubbish dumped")


def test_case_text_takes_the_residents_words_not_chosen_answers_or_addresses():
    form = {"ui": {"fields": {"details": {"widget": "textarea"}, "address": {"widget": "textarea"},
                              "size": {"widget": "radios"}}}}  # fmt: skip
    data = {"description": "hole", "details": "  deep ", "address": "1 Quill Lane", "size": "large"}
    assert classifier.case_text(form, data) == "hole deep"


# Training and suggestions


def test_training_stores_the_model_with_its_scores_and_makes_it_the_only_active_one(reports):
    first = triage_train(actor=TESTS)
    second = triage_train(actor=TESTS)
    assert second.samples == 18 and second.held_out == 4
    assert set(second.services) == set(REPORTS)
    assert set(second.report) <= set(REPORTS) and second.report
    assert len(bytes(second.pipeline)) > 1000
    first.refresh_from_db()
    assert not first.active and model_active() == second


def test_a_resident_may_not_train_the_classifier(reports):
    with pytest.raises(PermissionDenied):
        triage_train(actor=UserFactory(role=Role.RESIDENT))


def test_the_command_prints_accuracy_and_macro_f1(reports):
    from publica.cli import main

    result = CliRunner().invoke(main, ["assistant", "train"])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "macro-F1" in result.output
    assert TriageModel.objects.filter(active=True).count() == 1


def test_suggestions_come_best_first_with_titles(model):
    suggestions = triage_suggest(text="bags of rubbish dumped in the alley")
    assert suggestions[0].slug == "fly-tipping"
    assert suggestions[0].title == model_services("fly-tipping").title
    assert suggestions[0].confidence >= suggestions[-1].confidence


def test_without_a_model_there_are_no_suggestions(reports):
    assert triage_suggest(text="pothole") == []


def test_retraining_waits_until_the_model_is_old(model):
    assert triage_train_if_due() is None
    with clock.at(clock.now() + dt.timedelta(days=8)):
        assert triage_train_if_due() is not None


# Routing and the triage queue


def test_a_confident_suggestion_routes_the_case_when_the_service_allows_it(model, settings):
    settings.PUBLICA_TRIAGE_AUTO_ROUTE_CONFIDENCE = 0.0
    case = report(model_services(), "someone dumped bags of rubbish and a mattress in the alley")
    triage = triage_case(case=case, actor=TESTS)
    case.refresh_from_db()
    assert triage.state == Triage.State.ROUTED and triage.suggested_service_slug == "fly-tipping"
    assert case.service.slug == "fly-tipping" and case.department.slug == "waste"
    event = case.events.get(kind=CaseEvent.Kind.RECATEGORISED)
    assert event.actor_label == "triage" and event.data["from_service"] == "pothole"


def test_a_service_that_keeps_automation_out_of_its_workflow_is_never_routed_to(model, settings):
    settings.PUBLICA_TRIAGE_AUTO_ROUTE_CONFIDENCE = 0.0
    case = report(model_services(), "the street light is out and the lamp post is dark")
    triage = triage_case(case=case, actor=TESTS)
    case.refresh_from_db()
    assert triage.suggested_service_slug == "streetlight"
    assert triage.state == Triage.State.PENDING and case.service.slug == "pothole"


def test_a_low_confidence_suggestion_waits_in_the_department_queue(model, settings, highways):
    settings.PUBLICA_TRIAGE_AUTO_ROUTE_CONFIDENCE = 1.01
    case = report(model_services(), "someone dumped rubbish in the alley")
    triage = triage_case(case=case, actor=TESTS)
    assert triage.state == Triage.State.PENDING and triage.alternatives
    assert not case.events.filter(kind=CaseEvent.Kind.RECATEGORISED).exists()
    assert list(triage_queue(actor=highways.supervisor)) == [triage]
    other = UserFactory(role=Role.CASEWORKER, department=model_services("fly-tipping").department)
    assert list(triage_queue(actor=other)) == []


def test_staff_confirm_the_suggestion_and_the_case_moves(model, settings, highways):
    settings.PUBLICA_TRIAGE_AUTO_ROUTE_CONFIDENCE = 1.01
    case = report(model_services(), "an old fridge dumped on the pavement")
    triage = triage_confirm(triage=triage_case(case=case, actor=TESTS), actor=highways.supervisor)
    case.refresh_from_db()
    assert triage.state == Triage.State.CONFIRMED and triage.decided_by == highways.supervisor
    assert case.service.slug == "fly-tipping"
    assert list(triage_queue(actor=highways.supervisor)) == []
    with pytest.raises(InvalidInput):
        triage_move(triage=triage, service=model_services("streetlight"), actor=highways.supervisor)


def test_staff_move_the_case_to_another_service_than_suggested(model, settings, highways):
    settings.PUBLICA_TRIAGE_AUTO_ROUTE_CONFIDENCE = 1.01
    case = report(model_services(), "an old fridge dumped on the pavement")
    triage = triage_case(case=case, actor=TESTS)
    streetlight = model_services("streetlight")
    triage = triage_move(triage=triage, service=streetlight, actor=highways.supervisor)
    case.refresh_from_db()
    assert triage.state == Triage.State.CHANGED and case.service == streetlight


def test_staff_of_another_department_cannot_decide(model, settings, waste):
    settings.PUBLICA_TRIAGE_AUTO_ROUTE_CONFIDENCE = 1.01
    triage = triage_case(case=report(model_services(), "a pothole"), actor=TESTS)
    with pytest.raises(PermissionDenied):
        triage_confirm(triage=triage, actor=waste.supervisor)
    triage.refresh_from_db()
    assert triage.state == Triage.State.PENDING


# Re-categorisation


def test_recategorising_moves_service_department_and_sla_and_writes_the_event(reports, highways):
    case = report(reports["pothole"], "bags dumped")
    case_transition(case=case, to="inspecting", actor=highways.supervisor)
    case = case_recategorise(
        case=case, service=reports["fly-tipping"], actor=highways.supervisor, reason="wrong team"
    )
    case.refresh_from_db()
    assert case.service.slug == "fly-tipping" and case.department.slug == "waste"
    assert case.service_version == reports["fly-tipping"].current_version
    assert case.state == "submitted"  # fly-tipping has no inspecting state: start again
    assert "road_type" not in case.data and case.data["description"] == "bags dumped"
    event = case.events.get(kind=CaseEvent.Kind.RECATEGORISED)
    assert event.data["dropped_answers"] == {"road_type": "residential", "size": "medium"}
    assert event.data["from_department"] == "highways" and event.data["reason"] == "wrong team"
    assert not event.public


def test_recategorising_keeps_a_state_the_new_workflow_also_has(reports, highways):
    case = report(reports["pothole"], "lamp out")
    case = case_recategorise(case=case, service=reports["streetlight"], actor=highways.supervisor)
    assert case.state == "submitted" and case.version == 2


def test_only_staff_of_the_cases_department_may_recategorise(reports, waste):
    case = report(reports["pothole"], "bags dumped")
    with pytest.raises(PermissionDenied):
        case_recategorise(case=case, service=reports["fly-tipping"], actor=waste.supervisor)


def test_a_closed_case_is_not_recategorised(reports, highways):
    case = report(reports["pothole"], "hole")
    case_transition(case=case, to="duplicate", actor=highways.supervisor)
    with pytest.raises(TransitionNotAllowed):
        case_recategorise(case=case, service=reports["streetlight"], actor=highways.supervisor)


def model_services(slug: str = "pothole"):  # type: ignore[no-untyped-def]
    from publica.catalogue.models import Service

    return Service.objects.get(slug=slug)

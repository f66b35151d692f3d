"""Every write to a case: one function each, one transaction, an explicit actor.

Each function locks the case row before changing it, checks the workflow and the actor's
role, raises the case's version, appends to the timeline and then lets the service's
automation rules react, all inside the same transaction: either everything lands or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files import File
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from publica.accounts.models import User
from publica.accounts.roles import APPLICANT, AUTOMATION, Role
from publica.cases import automation, notifications, permissions, sla, storage
from publica.cases.models import (
    Attachment,
    Case,
    CaseEvent,
    Channel,
    Follower,
    InformationRequest,
    Priority,
    ReferenceSequence,
)
from publica.cases.workflow import Step
from publica.catalogue import answers
from publica.catalogue.models import Service
from publica.core import clock
from publica.core.actors import SCHEDULER, Actor, ApiClient, ContactActor, SystemActor
from publica.core.errors import (
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StaleUpdate,
    TransitionNotAllowed,
)
from publica.ledger import entries as ledger_entries
from publica.ledger.services import ledger_append
from publica.notify.services import messages_for_event, messages_forget_case

__all__ = [
    "case_add_note",
    "case_anonymise",
    "case_assign",
    "case_attach",
    "case_check_registers",
    "case_clear_flag",
    "case_escalate_overdue",
    "case_flag",
    "case_follow",
    "case_merge",
    "case_provide_info",
    "case_recategorise",
    "case_request_info",
    "case_set_priority",
    "case_submit",
    "case_transition",
    "case_unfollow_all",
    "case_withdraw",
]

Kind = CaseEvent.Kind
#: Rules may trigger rules (a transition is an event); past this depth the chain stops.
MAX_AUTOMATION_DEPTH = 5
SUBMITTERS = frozenset({Role.RESIDENT, Role.CASEWORKER, Role.SUPERVISOR, Role.ADMIN})
ASSIGNERS = (Role.SUPERVISOR, Role.ADMIN)


def case_submit(
    *,
    service: Service,
    data: Any,
    actor: Actor | None,
    channel: str = Channel.PORTAL,
    contact: dict[str, str] | None = None,
    files: dict[str, Sequence[File]] | None = None,
) -> Case:
    """Submit a case under the service's current version and return it with its reference.

    `actor` is the signed-in resident, a member of staff submitting on someone's behalf, a
    system actor (an API client, a sensor), or None for a member of the public who did not
    sign in. `files` holds the documents answering the form's file questions, by question;
    each is checked by its content and the answer records their names.
    """
    version = service.current_version
    if not service.is_active or version is None:
        raise InvalidInput([FieldError("service", f"{service.title} is not taking submissions")])
    role = _submitter_role(actor)
    if channel not in Channel.values:
        raise InvalidInput([FieldError("channel", f"unknown channel {channel!r}")])
    definition = version.definition
    checked = {
        question: storage.check_files(list(given)) for question, given in (files or {}).items()
    }
    if checked:
        data = {
            **data,
            **{
                q: [storage.file_name(f) for f, _ in pairs] for q, pairs in checked.items() if pairs
            },
        }
    cleaned = answers.clean(definition["form"], data)
    contact_fields = _clean_contact(contact or {})
    location = cleaned.get("location") if definition["kind"] == "report" else None

    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            now = clock.now()
            local_now = timezone.localtime(now)
            case = Case.objects.create(
                reference=_next_reference(definition["reference_prefix"], local_now.year),
                service=service,
                service_version=version,
                department=service.department,
                state=version.workflow.initial,
                channel=channel,
                applicant=actor if isinstance(actor, User) and actor.is_resident else None,
                data=cleaned,
                latitude=location.get("latitude") if location else None,
                longitude=location.get("longitude") if location else None,
                address=(location.get("address") or "") if location else "",
                submitted_at=now,
                due_at=sla.due_at(local_now, **_sla_terms(definition)),
                updated_at=now,
                **contact_fields,
            )
            for question, pairs in checked.items():
                for upload, kind in pairs:
                    stored.append(storage.store(case, None, upload, kind, actor, question=question))
            data_for_event = {"state": case.state, "version": version.number, "channel": channel}
            if stored:
                data_for_event["attachments"] = [attachment.pk for attachment in stored]
            event = _record(case, Kind.SUBMITTED, actor, role, data_for_event, public=True)
            _react(case, event)
            # Reviewed after commit; the assistant builds on cases.
            if definition.get("review_flags"):
                from publica.assistant.services.flags import flags_review_after_commit

                flags_review_after_commit(case)
    except BaseException:
        for attachment in stored:  # no file is kept for a case that was not stored
            attachment.file.delete(save=False)
        raise
    return case


def case_transition(
    *, case: Case, to: str, actor: Actor, reason: str = "", expected_version: int | None = None
) -> Case:
    """Move the case along its workflow, if the step exists and the actor's role may take it."""
    with transaction.atomic():
        case = _lock(case, expected_version)
        _require_open(case)
        step = case.service_version.workflow.step(case.state, to)
        role = permissions.acting_role(actor, case, step.roles)
        if step.require_reason and not reason.strip():
            raise InvalidInput([FieldError("reason", f"Give a reason to {step.label.lower()}")])
        _move(case, step, actor, role, reason.strip())
    return case


def case_withdraw(
    *, case: Case, actor: Actor, reason: str = "", expected_version: int | None = None
) -> Case:
    """The applicant withdraws their case, through the workflow's step to `withdrawn`."""
    with transaction.atomic():
        case = _lock(case, expected_version)
        _require_open(case)
        step = case.service_version.workflow.withdrawal_from(case.state)
        if step is None:
            raise TransitionNotAllowed(
                f"case {case.reference} cannot be withdrawn while {case.state_label.lower()}"
            )
        role = permissions.acting_role(actor, case, step.roles)
        _move(case, step, actor, role, reason)
    return case


#: Timeline data that says nothing about a person: states, ids, references, rule names.
#: Anonymising keeps these and drops the rest (notes, reasons, questions, answers, messages).
IMPERSONAL_EVENT_DATA = frozenset({
    "state", "version", "channel", "attachments", "registers", "request", "from", "to", "label",
    "outcome", "from_service", "to_service", "from_version", "to_version", "from_department",
    "to_department", "due_at", "supervisor", "follower", "by", "parent", "child",
    "followers_added", "rule", "trigger", "why", "kept",
})  # fmt: skip
#: Decimal places a case's position keeps once anonymised (3: about 100 metres).
ANONYMOUS_PLACES = 3


def case_anonymise(*, case: Case, why: str, rule: str, actor: Actor) -> Case:
    """Remove the personal data from a closed case and keep the rest for the record and for
    statistics: service, states, dates, outcome, department, an approximate position.

    Gone: the applicant's account link, contact details, answers, register facts, address,
    attachments (rows and files), questions and answers, followers, free text on the
    timeline, and what the outbox sent. `why` is "retention" (the scheduler) or "erasure"
    (the applicant asked, or an admin for them); `rule` says which rule allowed it, in words.
    The timeline and the ledger record that it was done; neither holds what was removed.
    """
    if why not in ("retention", "erasure"):
        raise InvalidInput([FieldError("why", "either retention or erasure")])
    with transaction.atomic():
        case = _lock(case, None)
        role = _anonymiser_role(case, actor)
        if case.closed_at is None:
            raise TransitionNotAllowed(
                f"case {case.reference} is open: finish or withdraw it first"
            )
        if case.anonymised_at is not None:
            return case
        files = [attachment.file for attachment in case.attachments.all()]
        case.attachments.all().delete()
        case.information_requests.update(question="", answer="")
        case.followers.all().delete()
        for event in case.events.all():
            kept = {k: v for k, v in event.data.items() if k in IMPERSONAL_EVENT_DATA}
            applicant_acted = case.applicant_id is not None and event.actor_id == case.applicant_id
            if kept != event.data or applicant_acted:
                # The one change a timeline line ever takes (CaseEvent.save refuses others).
                CaseEvent.objects.filter(pk=event.pk).update(
                    data=kept, actor=None if applicant_acted else event.actor_id
                )
        messages_forget_case(case=case, actor=actor)
        if case.latitude is not None and case.longitude is not None:
            case.latitude = round(case.latitude, ANONYMOUS_PLACES)
            case.longitude = round(case.longitude, ANONYMOUS_PLACES)
        case.applicant = None
        case.contact_name = case.contact_email = case.contact_phone = case.address = ""
        case.data, case.register_facts, case.flag_reason = {}, {}, ""
        case.anonymised_at = clock.now()
        _save(case, [
            "applicant", "contact_name", "contact_email", "contact_phone", "address", "data",
            "register_facts", "flag_reason", "latitude", "longitude", "anonymised_at",
        ])  # fmt: skip
        event = _record(
            case, Kind.ANONYMISED, actor, role, {"why": why, "rule": rule}, public=False
        )
        ledger_append(
            kind="anonymised", case=case.reference, service=case.service.slug,
            service_version=case.service_version.number, from_state=case.state,
            to_state=case.state, outcome=case.outcome, role=role,
            digest=ledger_entries.data_digest(case.ledger_key, case.data), at=event.created_at,
        )  # fmt: skip
        transaction.on_commit(lambda: [file.delete(save=False) for file in files])
    return case


def _anonymiser_role(case: Case, actor: Actor) -> str:
    if isinstance(actor, SystemActor):
        return AUTOMATION
    if isinstance(actor, User) and actor.pk is not None and actor.pk == case.applicant_id:
        return APPLICANT
    if isinstance(actor, User) and actor.role == Role.ADMIN:
        return str(Role.ADMIN)
    raise PermissionDenied(
        "only the applicant, an admin or the retention job removes a case's data"
    )


def case_unfollow_all(*, actor: User) -> int:
    """Stop `actor` following any report (their account is being erased); how many."""
    return Follower.objects.filter(user=actor).delete()[0]


def case_check_registers(*, case: Case, facts: dict[str, Any], actor: SystemActor) -> Case:
    """Keep what the base registers said about the applicant, as the exchange fetched it
    (never from the form), and let the rules act on it: they read it as `registers` on the
    `registers_checked` event. `facts["_sources"]` says which register answered each query."""
    if not isinstance(actor, SystemActor):
        raise PermissionDenied("only the exchange records what the registers said")
    with transaction.atomic():
        case = _lock(case, None)
        case.register_facts = facts
        _save(case, ["register_facts"])
        sources = facts.get("_sources", {})
        titles = sorted({str(source.get("title", name)) for name, source in sources.items()})
        data = {"registers": titles, "reason": ", ".join(titles)}
        event = _record(case, Kind.REGISTERS_CHECKED, actor, AUTOMATION, data, public=False)
        if case.closed_at is None:
            _react(case, event)
    return case


def case_add_note(*, case: Case, text: str, actor: Actor, public: bool = False) -> CaseEvent:
    """Staff, or automation such as a sensor rule, add a note; internal unless `public`, in
    which case the applicant sees it."""
    text = _required_text("text", text, limit=10_000)
    with transaction.atomic():
        case = _lock(case, None)
        role = permissions.require_staff(actor, case, (*permissions.CASE_STAFF, AUTOMATION))
        _save(case, [])
        event = _record(case, Kind.NOTE_ADDED, actor, role, {"text": text}, public=public)
        _react(case, event)
    return event


def case_assign(
    *, case: Case, assignee: User | None, actor: Actor, expected_version: int | None = None
) -> Case:
    """Give the case to a member of its department's staff, or to nobody.

    Supervisors and admins assign anyone who may work the case; a caseworker may only take
    a case for themselves or give back their own.
    """
    with transaction.atomic():
        case = _lock(case, expected_version)
        _require_open(case)
        role = permissions.require_staff(actor, case)
        if role == Role.CASEWORKER:
            taking = assignee is not None and assignee.pk == getattr(actor, "pk", None)
            returning = assignee is None and case.assignee_id == getattr(actor, "pk", None)
            if not (taking or returning):
                raise PermissionDenied("a caseworker may only take a case or give back their own")
        if assignee is not None:
            _require_can_work(assignee, case)
        _assign(case, assignee, actor, role)
    return case


def case_set_priority(*, case: Case, priority: str, actor: Actor, reason: str = "") -> Case:
    if priority not in Priority.values:
        allowed = ", ".join(Priority.values)
        raise InvalidInput([FieldError("priority", f"choose one of {allowed}")])
    with transaction.atomic():
        case = _lock(case, None)
        _require_open(case)
        role = permissions.require_staff(actor, case)
        _set_priority(case, priority, actor, role, reason)
    return case


def case_flag(*, case: Case, reason: str, actor: Actor) -> Case:
    """Flag the case for a person to review, with the reason shown in the queue."""
    reason = _required_text("reason", reason, limit=300)
    with transaction.atomic():
        case = _lock(case, None)
        role = permissions.require_staff(actor, case, (*permissions.CASE_STAFF, AUTOMATION))
        _flag(case, reason, actor, role)
    return case


def case_clear_flag(*, case: Case, actor: Actor, reason: str = "") -> Case:
    with transaction.atomic():
        case = _lock(case, None)
        role = permissions.require_staff(actor, case)
        if case.flagged:
            previous = case.flag_reason
            case.flagged, case.flag_reason = False, ""
            _save(case, ["flagged", "flag_reason"])
            data = {"previous_reason": previous, "reason": reason}
            _record(case, Kind.FLAG_CLEARED, actor, role, data, public=False)
    return case


def case_recategorise(*, case: Case, service: Service, actor: Actor, reason: str = "") -> Case:
    """Move a report filed under the wrong service to `service`'s current version and team.

    The case keeps its reference, priority and flag. Answers the new form does not ask are
    kept in the event, not in the case. The state carries over when the new workflow has it
    (and it is not an end state), else the case restarts at the new workflow's first state;
    its due time follows the new service's SLA from the day it was submitted. Not a decision:
    no ledger entry, and no message to the resident.
    """
    version = service.current_version
    if not service.is_active or version is None:
        raise InvalidInput([FieldError("service", f"{service.title} is not taking cases")])
    with transaction.atomic():
        case = _lock(case, None)
        _require_open(case)
        role = permissions.require_staff(actor, case, (*permissions.CASE_STAFF, AUTOMATION))
        if case.service_id == service.pk:
            raise InvalidInput([FieldError("service", f"the case is already {service.title}")])
        flow, questions = version.workflow, version.definition["form"]["schema"]["properties"]
        state = case.state
        if state not in flow.states or flow.is_terminal(state):
            state = flow.initial
        data = {
            "from_service": case.service.slug, "to_service": service.slug,
            "from_version": case.service_version.number, "to_version": version.number,
            "from_department": case.department.slug, "to_department": service.department.slug,
            "from_state": case.state, "to_state": state, "reason": reason.strip(),
            "dropped_answers": {k: v for k, v in case.data.items() if k not in questions},
        }  # fmt: skip
        case.service, case.service_version = service, version
        case.department, case.state = service.department, state
        case.data = {k: v for k, v in case.data.items() if k in questions}
        started = timezone.localtime(case.submitted_at)
        case.due_at = sla.due_at(started, **_sla_terms(version.definition)) + dt.timedelta(
            seconds=case.sla_paused_seconds
        )
        fields = ["service", "service_version", "department", "state", "data", "due_at"]
        if case.assignee is not None and not _can_work(case.assignee, case):
            case.assignee = None
            fields.append("assignee")
        _save(case, fields)
        _record(case, Kind.RECATEGORISED, actor, role, data, public=False)
    return case


def case_request_info(*, case: Case, question: str, actor: Actor) -> InformationRequest:
    """Ask the applicant a question; the SLA clock stops until every question is answered."""
    question = _required_text("question", question, limit=5_000)
    with transaction.atomic():
        case = _lock(case, None)
        _require_open(case)
        role = permissions.require_staff(actor, case)
        if case.applicant_id is None and not case.contact_email:
            raise InvalidInput(
                [FieldError("case", f"{case.reference} has no applicant account or email to ask")]
            )
        now = clock.now()
        request = InformationRequest.objects.create(
            case=case,
            question=question,
            requested_by=actor if isinstance(actor, User) else None,
            requested_at=now,
        )
        if case.awaiting_info_since is None:
            case.awaiting_info_since = now
        _save(case, ["awaiting_info_since"])
        data = {"request": request.pk, "question": question}
        event = _record(case, Kind.INFO_REQUESTED, actor, role, data, public=True)
        _react(case, event)
    return request


def case_provide_info(
    *,
    request: InformationRequest,
    answer: str,
    actor: Actor,
    files: Sequence[File] = (),
) -> InformationRequest:
    """The applicant (or staff taking it by phone) answers, with any documents or photos;
    the SLA clock restarts when every question is answered."""
    answer = (answer or "").strip()
    if not files:
        answer = _required_text("answer", answer, limit=10_000)
    checked = storage.check_files(files)
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            case = _lock(request.case, None)
            _require_open(case)
            role = permissions.acting_role(
                actor, case, (APPLICANT, Role.CASEWORKER, Role.SUPERVISOR, Role.ADMIN)
            )
            request = InformationRequest.objects.select_for_update().get(pk=request.pk)
            if not request.is_open:
                raise InvalidInput([FieldError("request", "this question was already answered")])
            now = clock.now()
            request.answer, request.answered_at = answer, now
            request.save(update_fields=["answer", "answered_at"])
            stored = [storage.store(case, request, upload, kind, actor) for upload, kind in checked]
            fields = []
            still_open = case.information_requests.filter(answered_at__isnull=True).exists()
            if case.awaiting_info_since is not None and not still_open:
                paused = now - case.awaiting_info_since
                case.due_at += paused
                case.sla_paused_seconds += int(paused.total_seconds())
                case.awaiting_info_since = None
                fields = ["due_at", "sla_paused_seconds", "awaiting_info_since"]
            _save(case, fields)
            data = {
                "request": request.pk,
                "answer": answer,
                "attachments": [attachment.pk for attachment in stored],
            }
            event = _record(case, Kind.INFO_PROVIDED, actor, role, data, public=True)
            _react(case, event)
    except BaseException:
        for attachment in stored:  # the rows rolled back; do not leave their files behind
            attachment.file.delete(save=False)
        raise
    return request


def case_attach(*, case: Case, files: Sequence[File], actor: Actor) -> list[Attachment]:
    """Staff or another system add documents to a case, each checked by its content."""
    if not files:
        raise InvalidInput([FieldError("files", "choose at least one file")])
    checked = storage.check_files(files)
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            case = _lock(case, None)
            role = permissions.require_staff(actor, case)
            stored = [storage.store(case, None, upload, kind, actor) for upload, kind in checked]
            _save(case, [])
            data = {"attachments": [attachment.pk for attachment in stored]}
            _record(case, Kind.ATTACHED, actor, role, data, public=False)
    except BaseException:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return stored


def case_escalate_overdue(*, actor: SystemActor = SCHEDULER) -> list[Case]:
    """Flag every open case past its due time and record its department's supervisor.

    Runs on a schedule; a case is escalated once. Cases waiting on the applicant are not
    overdue, since their clock is stopped. Each case commits on its own.
    """
    now = clock.now()
    overdue = Case.objects.filter(
        closed_at__isnull=True,
        awaiting_info_since__isnull=True,
        escalated_at__isnull=True,
        due_at__lt=now,
    ).values_list("pk", flat=True)
    escalated = []
    for pk in list(overdue):
        with transaction.atomic():
            case = _lock(Case(pk=pk), None)
            if case.escalated_at is not None or case.closed_at is not None:
                continue  # someone else got there first
            supervisor = case.department.supervisor
            case.escalated_at = now
            _save(case, ["escalated_at"])
            data = {
                "due_at": case.due_at.isoformat(),
                "supervisor": supervisor.pk if supervisor else None,
                "supervisor_name": str(supervisor) if supervisor else "",
            }
            _record(case, Kind.ESCALATED, actor, AUTOMATION, data, public=False)
            if not case.flagged:
                _flag(case, f"Overdue since {_local_date(case.due_at)}", actor, AUTOMATION)
            escalated.append(case)
    return escalated


def case_follow(*, case: Case, actor: Actor | None, email: str = "") -> Follower:
    """A resident follows an open public report instead of sending the same one again: a
    signed-in resident by their account, anyone else by `email`. They then get the report's
    public updates (`notify`); following twice changes nothing."""
    email = (email or "").strip()
    user = actor if isinstance(actor, User) else None
    if user is not None and (not user.is_active or not user.is_resident):
        raise PermissionDenied("only residents follow reports; staff work them from the queue")
    if actor is not None and user is None:
        raise PermissionDenied(f"{actor} may not follow reports")
    if user is None:
        _check_email("email", email)
    with transaction.atomic():
        case = _lock(case, None)
        _require_open(case)
        definition = case.service_version.definition
        if definition["kind"] != "report" or definition.get("public_requests") is False:
            raise NotFound(f"no public report {case.reference}")
        if _reported_by(case, user, email):
            message = f"you sent {case.reference}, so you already get its updates"
            raise InvalidInput([FieldError("case", message)])
        existing = _follower(case, user, email)
        if existing is not None:
            return existing
        follower = Follower.objects.create(
            case=case, user=user, email="" if user else email, since=clock.now()
        )
        _save(case, [])
        data = {"follower": follower.pk, "by": "account" if user else "email"}
        _record(case, Kind.FOLLOWED, actor, Role.RESIDENT if user else "public", data, public=False)
    return follower


def case_merge(*, child: Case, parent: Case, actor: Actor, reason: str = "") -> Case:
    """Staff merge a report (`child`) into an earlier one about the same problem (`parent`).

    The child is closed through its workflow's step to the service's `duplicates.close_as`
    state (default `duplicate`), so the resident gets that state's message and the ledger a
    decision, as for any closure; a workflow without that step refuses the merge rather than
    closing the case around it. The child then points at the parent, its reporter (and its
    followers) follow the parent, both timelines say so, and the ledger records the merge.
    """
    if child.pk == parent.pk:
        raise InvalidInput([FieldError("parent", "a report cannot be merged into itself")])
    reason = reason.strip()
    with transaction.atomic():
        first, second = sorted((child, parent), key=lambda each: each.pk)  # one lock order
        locked = {first.pk: _lock(first, None), second.pk: _lock(second, None)}
        child, parent = locked[child.pk], locked[parent.pk]
        role = permissions.require_staff(actor, child)
        permissions.require_staff(actor, parent)
        _require_open(child)
        if parent.closed_at is not None:
            message = f"{parent.reference} is closed; merge into an open report"
            raise InvalidInput([FieldError("parent", message)])
        if parent.duplicate_of_id is not None:
            message = f"{parent.reference} is itself merged into another report"
            raise InvalidInput([FieldError("parent", message)])
        step = _duplicate_step(child)
        role = permissions.acting_role(actor, child, step.roles)
        before = child.state
        child.duplicate_of = parent
        _save(child, ["duplicate_of"])
        because = f": {reason}" if reason else ""
        text = f"Merged into {parent.reference}{because}"
        data = {"parent": parent.reference, "child": child.reference, "text": text}
        _record(child, Kind.MERGED, actor, role, data, public=True)
        _move(child, step, actor, role, reason or f"Already reported as {parent.reference}")
        moved = _follow_from(child, parent)
        _save(parent, [])
        parent_text = f"{child.reference} merged into this report{because}"
        parent_data = {**data, "text": parent_text, "followers_added": moved}
        _record(parent, Kind.MERGED, actor, role, parent_data, public=False)
        ledger_append(
            kind="merged", case=child.reference, into=parent.reference, service=child.service.slug,
            service_version=child.service_version.number, from_state=before,
            to_state=child.state, outcome=child.outcome, role=role,
            digest=ledger_entries.data_digest(child.ledger_key, child.data),
        )  # fmt: skip
    return child


# The steps every write shares. Callers hold the case's row lock inside a transaction.


def _lock(case: Case, expected_version: int | None) -> Case:
    try:
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("service", "service_version", "department")
            .get(pk=case.pk)
        )
    except Case.DoesNotExist:
        raise NotFound(f"no case with id {case.pk}") from None
    if expected_version is not None and locked.version != expected_version:
        raise StaleUpdate(
            f"case {locked.reference} changed since you read it (you had version "
            f"{expected_version}, it is now {locked.version}); reload it and try again"
        )
    return locked


def _save(case: Case, fields: Iterable[str]) -> None:
    case.version += 1
    case.updated_at = clock.now()
    case.save(update_fields=[*fields, "version", "updated_at"])


def _record(
    case: Case,
    kind: str,
    actor: Actor | None,
    role: str,
    data: dict[str, Any],
    *,
    public: bool,
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor if isinstance(actor, User) else None,
        actor_role=role,
        actor_label=_label(actor),
        data=data,
        public=public,
        created_at=clock.now(),
    )
    messages_for_event(case, event)  # the applicant's email and webhooks, in this transaction
    return event


def _label(actor: Actor | None) -> str:
    if isinstance(actor, SystemActor):
        return actor.name
    if isinstance(actor, ApiClient):
        return f"api:{actor.name}"[:100]
    return "contact email" if isinstance(actor, ContactActor) else ""


def _move(case: Case, step: Step, actor: Actor, role: str, reason: str, depth: int = 0) -> None:
    workflow = case.service_version.workflow
    fields = ["state"]
    case.state = step.target
    outcome = workflow.outcomes.get(step.target, "")
    if outcome:
        case.outcome, case.closed_at, case.awaiting_info_since = outcome, clock.now(), None
        fields += ["outcome", "closed_at", "awaiting_info_since"]
    _save(case, fields)
    data = {
        "from": step.source,
        "to": step.target,
        "label": step.label,
        "outcome": outcome,
        "reason": reason,
        "message": notifications.render(
            case.service_version.definition, step.target, _placeholders(case)
        ),
    }
    event = _record(case, Kind.TRANSITIONED, actor, role, data, public=True)
    ledger_append(
        kind=_ledger_kind(role, outcome),
        case=case.reference,
        service=case.service.slug,
        service_version=case.service_version.number,
        from_state=step.source,
        to_state=step.target,
        outcome=outcome,
        role=role,
        digest=ledger_entries.data_digest(case.ledger_key, case.data),
        at=event.created_at,
    )
    _react(case, event, depth)


def _ledger_kind(role: str, outcome: str) -> str:
    if outcome == "withdrawn":
        return "withdrawal"
    if role == AUTOMATION:
        return "automated-decision"
    return "decision" if outcome else "transition"


def _assign(case: Case, assignee: User | None, actor: Actor, role: str) -> None:
    if case.assignee_id == (assignee.pk if assignee else None):
        return
    data = {"from": case.assignee_id, "to": assignee.pk if assignee else None}
    case.assignee = assignee
    _save(case, ["assignee"])
    event = _record(case, Kind.ASSIGNED, actor, role, data, public=False)
    _react(case, event)


def _set_priority(case: Case, priority: str, actor: Actor, role: str, reason: str) -> None:
    if case.priority == priority:
        return
    data = {"from": case.priority, "to": priority, "reason": reason}
    case.priority = priority
    _save(case, ["priority"])
    _record(case, Kind.PRIORITY_CHANGED, actor, role, data, public=False)


def _flag(case: Case, reason: str, actor: Actor, role: str) -> None:
    case.flagged, case.flag_reason = True, reason[:300]
    _save(case, ["flagged", "flag_reason"])
    _record(case, Kind.FLAGGED, actor, role, {"reason": reason}, public=False)


def _react(case: Case, event: CaseEvent, depth: int = 0) -> None:
    """Let the service's automation rules act on `event`, as the rule itself."""
    firings, failures = automation.evaluate(
        case.service_version.definition,
        event_kind=event.kind,
        variables=_rule_variables(case, event),
    )
    for failure in failures:
        rule_actor = SystemActor(f"rule:{failure.rule}")
        data = {"rule": failure.rule, "error": failure.message}
        _record(case, Kind.RULE_FAILED, rule_actor, AUTOMATION, data, public=False)
    for firing in firings:
        _apply(case, firing, depth)


def _apply(case: Case, firing: automation.Firing, depth: int) -> None:
    rule_actor = SystemActor(f"rule:{firing.rule}")
    then = firing.then
    try:
        if "set_priority" in then:
            _set_priority(case, then["set_priority"], rule_actor, AUTOMATION, firing.reason)
        if "assign" in then:
            assignee = User.objects.filter(username=then["assign"], is_active=True).first()
            if assignee is None:
                raise PermissionDenied(f"no active staff member {then['assign']!r}")
            _require_can_work(assignee, case)
            _assign(case, assignee, rule_actor, AUTOMATION)
        if "flag" in then:
            _flag(case, then["flag"], rule_actor, AUTOMATION)
        if "transition" in then and case.closed_at is None:
            if depth >= MAX_AUTOMATION_DEPTH:
                raise TransitionNotAllowed("rules kept triggering each other; chain stopped")
            step = case.service_version.workflow.step(case.state, then["transition"])
            permissions.acting_role(rule_actor, case, step.roles)
            _move(case, step, rule_actor, AUTOMATION, firing.reason, depth + 1)
    except (PermissionDenied, TransitionNotAllowed) as exc:
        data = {"rule": firing.rule, "error": str(exc)}
        _record(case, Kind.RULE_FAILED, rule_actor, AUTOMATION, data, public=False)


def _rule_variables(case: Case, event: CaseEvent) -> dict[str, Any]:
    return {
        "data": case.data,
        "registers": case.register_facts,
        "case": {
            "reference": case.reference,
            "service": case.service_version.definition["slug"],
            "state": case.state,
            "priority": case.priority,
            "channel": case.channel,
            "flagged": case.flagged,
            "assigned": case.assignee_id is not None,
        },
        "event": {"kind": event.kind, "data": event.data},
    }


def _placeholders(case: Case) -> dict[str, str]:
    definition = case.service_version.definition
    return {
        "reference": case.reference,
        "service": definition["title"],
        "state": case.service_version.workflow.labels[case.state],
        "due_date": _local_date(case.due_at),
        "department": case.department.name,
    }


def _next_reference(prefix: str, year: int) -> str:
    """The next number of the prefix's yearly sequence, taken in one statement: the row
    stays locked until the submission commits, so no two cases share a number."""
    quote = connection.ops.quote_name
    table, last = quote(ReferenceSequence._meta.db_table), quote("last")
    take = (
        f"UPDATE {table} SET {last} = {last} + 1 WHERE prefix = %s AND year = %s RETURNING {last}"
    )
    with connection.cursor() as cursor:
        cursor.execute(take, [prefix, year])
        row = cursor.fetchone()
        if row is None:  # the year's first case: start its sequence, then take from it
            ReferenceSequence.objects.get_or_create(prefix=prefix, year=year)
            cursor.execute(take, [prefix, year])
            row = cursor.fetchone()
    return f"{prefix}-{year}-{row[0]:06d}"


def _sla_terms(definition: dict[str, Any]) -> dict[str, Any]:
    terms = definition["sla"]
    return {
        "days": terms["days"],
        "calendar": terms.get("calendar", "working"),
        "closed_days": sla.public_holidays(
            settings.PUBLICA_HOLIDAYS_COUNTRY, settings.PUBLICA_HOLIDAYS_SUBDIVISION
        ),
    }


def _submitter_role(actor: Actor | None) -> str:
    if actor is None:
        return "public"
    if isinstance(actor, SystemActor):
        return actor.role
    if isinstance(actor, ContactActor):
        raise PermissionDenied("sign in, or submit without signing in, to start a new case")
    if isinstance(actor, ApiClient):
        return "api"
    if not actor.is_active or actor.role not in SUBMITTERS:
        raise PermissionDenied(f"a {actor.role.replace('_', ' ')} may not submit cases")
    return APPLICANT if actor.is_resident else actor.role


def _clean_contact(contact: dict[str, str]) -> dict[str, str]:
    unknown = set(contact) - {"name", "email", "phone"}
    errors = [FieldError(f"contact.{key}", "unknown contact field") for key in sorted(unknown)]
    email = (contact.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors.append(
                FieldError("contact.email", "enter an email address like name@example.com")
            )
    for key, limit in (("name", 200), ("phone", 40)):
        if len(contact.get(key) or "") > limit:
            errors.append(FieldError(f"contact.{key}", f"must be at most {limit} characters"))
    if errors:
        raise InvalidInput(errors)
    return {
        "contact_name": (contact.get("name") or "").strip(),
        "contact_email": email,
        "contact_phone": (contact.get("phone") or "").strip(),
    }


def _required_text(field: str, value: str, *, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput([FieldError(field, "must not be empty")])
    if len(value) > limit:
        raise InvalidInput([FieldError(field, f"must be at most {limit} characters")])
    return value


def _require_open(case: Case) -> None:
    if case.closed_at is not None:
        raise TransitionNotAllowed(f"case {case.reference} is closed ({case.outcome})")


def _require_can_work(user: User, case: Case) -> None:
    if not _can_work(user, case):
        raise PermissionDenied(f"{user} cannot work cases of {case.department}")


def _can_work(user: User, case: Case) -> bool:
    works_here = user.role in (Role.CASEWORKER, Role.SUPERVISOR) and (
        user.department_id == case.department_id
    )
    return user.is_active and (works_here or user.role == Role.ADMIN)


def _duplicate_step(case: Case) -> Step:
    definition = case.service_version.definition
    target = str((definition.get("duplicates") or {}).get("close_as", "duplicate"))
    try:
        return case.service_version.workflow.step(case.state, target)
    except TransitionNotAllowed:
        raise TransitionNotAllowed(
            f"{definition['title']} cannot close a report as a duplicate from "
            f"{case.state_label.lower()}: its workflow has no step from {case.state!r} to "
            f"{target!r} (see docs/service-files.md, duplicates)"
        ) from None


def _reported_by(case: Case, user: User | None, email: str) -> bool:
    if user is not None:
        return case.applicant_id == user.pk
    return bool(email) and case.contact_email.lower() == email.lower()


def _follower(case: Case, user: User | None, email: str) -> Follower | None:
    if user is not None:
        return Follower.objects.filter(case=case, user=user).first()
    return Follower.objects.filter(case=case, email__iexact=email).first()


def _follow_from(child: Case, parent: Case) -> int:
    """Make the child's reporter and followers followers of the parent; how many were added."""
    people: list[tuple[User | None, str]] = []
    if child.applicant is not None:
        people.append((child.applicant, ""))
    elif child.contact_email:
        people.append((None, child.contact_email))
    people += [(f.user, f.email) for f in child.followers.select_related("user")]
    added, now = 0, clock.now()
    for user, email in people:
        if _reported_by(parent, user, email) or _follower(parent, user, email) is not None:
            continue
        Follower.objects.create(
            case=parent, user=user, email="" if user else email, since=now, merged_from=child
        )
        added += 1
    return added


def _check_email(field: str, email: str) -> None:
    if not email:
        raise InvalidInput([FieldError(field, "enter your email address, or sign in")])
    try:
        validate_email(email)
    except DjangoValidationError:
        raise InvalidInput(
            [FieldError(field, "enter an email address like name@example.com")]
        ) from None


def _local_date(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%-d %B %Y")

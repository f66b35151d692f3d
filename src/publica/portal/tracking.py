"""Tracking a case: find it by reference and email, follow it, answer, withdraw, download."""

from __future__ import annotations

from typing import Any

import rfc8785
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from publica.accounts.models import User
from publica.cases import selectors as cases
from publica.cases import services as case_services
from publica.cases.models import Case, CaseEvent
from publica.core.actors import Actor, ContactActor
from publica.core.errors import NotFound, PublicaError, plain_message
from publica.insights.selectors.ratings import rating_offered
from publica.insights.services.ratings import rating_path
from publica.portal.forms import TrackForm
from publica.portal.transparency import plain_entries

SESSION_TRACKED = "publica_tracked"  # {reference: email} proven in this session


@ratelimit(key="ip", rate="20/h", method="POST", block=True)
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Find a case by reference and the email given with it (rate limited against guessing)."""
    form = TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["reference"].strip().upper()
        email = form.cleaned_data["email"]
        try:
            cases.case_get(reference=reference, actor=ContactActor(email))
        except NotFound:
            form.add_error(None, _("We could not find a case with that reference and email."))
        else:
            remember(request, reference, email)
            return redirect("portal:case", reference=reference)
    errors = [{"href": e["href"].replace("#id___all__", "#main-content"), "message": e["message"]}
              for e in form.error_list()]  # fmt: skip
    return render(
        request,
        "portal/track.html",
        {"form": form, "errors": errors, "form_has_errors": bool(errors)},
    )


def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = tracked_case(request, reference)
    actor = _case_actor(request, case)
    timeline = [_plain_event(event) for event in cases.case_timeline(case=case, actor=actor)]
    workflow = case.service_version.workflow
    ledger_entries = plain_entries(case.reference)
    return render(
        request,
        "portal/case.html",
        {
            "case": case,
            "ledger_entries": ledger_entries,
            # the applicant's own check of each entry's data_digest (`ledger.entries`)
            "ledger_data": rfc8785.dumps(case.data).decode() if ledger_entries else "",
            "timeline": timeline,
            "open_requests": case.information_requests.filter(answered_at__isnull=True),
            "attachments": case.attachments.all(),
            "max_upload_mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024),
            "can_withdraw": case.is_open and workflow.withdrawal_from(case.state) is not None,
            # once closed, the one satisfaction question (`insights`), until it is answered
            "rating_action": rating_path(case) if rating_offered(case) else "",
        },
    )


@require_POST
def respond(request: HttpRequest, reference: str, request_id: int) -> HttpResponse:
    case = tracked_case(request, reference)
    question = case.information_requests.filter(pk=request_id).first()
    if question is None:
        raise Http404
    try:
        case_services.case_provide_info(
            request=question,
            answer=request.POST.get("answer", ""),
            actor=_case_actor(request, case),
            files=request.FILES.getlist("files"),
        )
    except PublicaError as exc:
        messages.error(
            request, _("Your answer was not sent: %(reason)s") % {"reason": plain_message(exc)}
        )
    else:
        messages.success(request, _("Thank you. Your answer has been sent."))
    return redirect("portal:case", reference=case.reference)


def attachment(request: HttpRequest, reference: str, attachment_id: int) -> FileResponse:
    """A file on the visitor's own case, downloaded, never shown inline."""
    case = tracked_case(request, reference)
    return attachment_response(case, attachment_id)


def attachment_response(case: Case, attachment_id: int) -> FileResponse:
    found = case.attachments.filter(pk=attachment_id).first()
    if found is None:
        raise Http404
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.name,
        content_type=found.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    case = tracked_case(request, reference)
    if request.method == "POST":
        try:
            case_services.case_withdraw(
                case=case, actor=_case_actor(request, case), reason=request.POST.get("reason", "")
            )
        except PublicaError as exc:
            messages.error(request, plain_message(exc))
        else:
            messages.success(request, _("Your request has been withdrawn."))
        return redirect("portal:case", reference=case.reference)
    return render(request, "portal/withdraw.html", {"case": case})


def remember(request: HttpRequest, reference: str, email: str) -> None:
    tracked = request.session.get(SESSION_TRACKED, {})
    tracked[reference] = email
    request.session[SESSION_TRACKED] = tracked


def _case_actor(request: HttpRequest, case: Case) -> Actor:
    if request.user.is_authenticated and case.applicant_id == request.user.pk:
        return request.user  # type: ignore[return-value]
    email = request.session.get(SESSION_TRACKED, {}).get(case.reference, "")
    return ContactActor(email)


def tracked_case(request: HttpRequest, reference: str) -> Case:
    """The case, if this visitor is its applicant or proved its reference and email here."""
    reference = reference.upper()
    actors: list[Actor] = []
    if request.user.is_authenticated:
        actors.append(request.user)  # type: ignore[arg-type]
    email = request.session.get(SESSION_TRACKED, {}).get(reference)
    if email is not None:
        actors.append(ContactActor(email))
    for actor in actors:
        try:
            case = cases.case_get(reference=reference, actor=actor)
        except NotFound:
            continue
        if isinstance(actor, User) and not actor.is_resident:
            continue  # staff use the back office's case page
        return case
    if not request.user.is_authenticated and email is None:
        raise Http404(_("Sign in, or find the case with its reference and email."))
    raise Http404


def _plain_event(event: CaseEvent) -> dict[str, Any]:
    """One timeline entry in plain words for the applicant."""
    data = event.data
    match event.kind:
        case CaseEvent.Kind.SUBMITTED:
            title, text = _("We received your request"), ""
        case CaseEvent.Kind.TRANSITIONED:
            title, text = data.get("label", ""), data.get("message") or data.get("reason", "")
        case CaseEvent.Kind.INFO_REQUESTED:
            title, text = _("We asked you for more information"), data.get("question", "")
        case CaseEvent.Kind.INFO_PROVIDED:
            title, text = _("You sent more information"), data.get("answer", "")
        case CaseEvent.Kind.NOTE_ADDED:
            title, text = _("Update from the team"), data.get("text", "")
        case CaseEvent.Kind.MERGED:
            title = _("Already reported")
            text = _(
                "Someone had already told us about this problem: it is in hand as %(ref)s, "
                "and you now get that report's updates."
            ) % {"ref": data.get("parent", "")}
        case _:
            title, text = event.get_kind_display(), ""
    return {"title": title, "text": text, "when": event.created_at}

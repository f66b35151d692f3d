"""The staff back office: two-factor sign-in, queues, the case page, and bulk actions.

Every view requires a staff role and a verified second factor. What a person may see and do
is decided by the case services and selectors, so a case of another department is a 404 here
just as it is a NotFound there.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from publica.accounts.models import User
from publica.accounts.roles import Role
from publica.accounts.services import mfa_enrol_confirm, mfa_enrol_start, mfa_is_enrolled
from publica.assistant.services.triage import triage_suggest_for_case
from publica.cases import permissions, sla
from publica.cases import selectors as cases
from publica.cases import services as case_services
from publica.cases.models import Case, CaseEvent, Priority
from publica.catalogue.models import Service
from publica.catalogue.selectors import service_list
from publica.core.errors import FieldError, InvalidInput, NotFound, PublicaError, plain_message
from publica.exchange.services.reads import access_record_case_read
from publica.notify.selectors import messages_for_case
from publica.portal import formpages
from publica.portal.forms import SignInForm
from publica.portal.staff_session import (
    SESSION_NEXT,
    STAFF_ROLES,
    prove_second_factor,
    recent_second_factor,
    render_second_factor,
    second_factor_proved,
)
from publica.portal.tracking import attachment_response

SESSION_ENROLMENT = "publica_mfa_device"


def staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed in, in a staff role, and past the second factor; otherwise on to that step."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            wanted = urlencode({"next": request.get_full_path()})  # its own query string too
            return redirect(f"{reverse('staff:signin')}?{wanted}")
        if getattr(user, "role", None) not in STAFF_ROLES:
            raise DjangoPermissionDenied
        if not user.is_verified():  # type: ignore[attr-defined]
            request.session[SESSION_NEXT] = request.get_full_path()
            return redirect("staff:verify")
        return view(request, *args, **kwargs)

    return wrapped


class SignInView(auth_views.LoginView):
    template_name = "portal/simple_form.html"
    authentication_form = SignInForm
    extra_context = {"heading": gettext_lazy("Staff sign in"), "button": gettext_lazy("Continue")}

    def get_success_url(self) -> str:
        wanted = self.request.GET.get("next", "")
        if wanted and url_has_allowed_host_and_scheme(wanted, {self.request.get_host()}):
            self.request.session[SESSION_NEXT] = wanted
        return str(reverse_lazy("staff:verify"))


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second factor: a code from the authenticator app, a recovery code, or a passkey.

    Also where a download that needs a recent second factor sends its code (see
    `staff_session.recent_second_factor`), and then carries on."""
    user = request.user
    if not user.is_authenticated or getattr(user, "role", None) not in STAFF_ROLES:
        return redirect("staff:signin")
    if not mfa_is_enrolled(user):  # type: ignore[arg-type]
        return redirect("staff:enrol")
    error = ""
    if request.method == "POST":
        error = prove_second_factor(
            request, code=request.POST.get("token", ""), passkey=request.POST.get("passkey", "")
        )
        if not error:
            wanted = request.session.pop(SESSION_NEXT, None) or ""
            if not url_has_allowed_host_and_scheme(wanted, {request.get_host()}):
                wanted = reverse("staff:queue")
            return redirect(wanted)
    return render_second_factor(request, error=error)


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: scan a QR code, confirm a code, keep recovery codes."""
    user = request.user
    if not user.is_authenticated or getattr(user, "role", None) not in STAFF_ROLES:
        return redirect("staff:signin")
    if mfa_is_enrolled(user):  # type: ignore[arg-type]
        if not user.is_verified():  # type: ignore[attr-defined]
            return redirect("staff:verify")
        asked = recent_second_factor(request)  # replacing the app: prove the old one is at hand
        if asked is not None:
            return asked
    device = mfa_enrol_start(actor=user)  # type: ignore[arg-type]
    error = ""
    if request.method == "POST":
        try:
            codes = mfa_enrol_confirm(
                device=device, token=request.POST.get("token", ""), actor=user
            )  # type: ignore[arg-type]
        except InvalidInput as exc:
            error = exc.errors[0].message
        else:
            otp_login(request, TOTPDevice.objects.get(pk=device.pk))
            second_factor_proved(request)
            return render(request, "staff/recovery_codes.html", {"codes": codes})
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4, title=_("QR code to scan"))
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "staff/enrol.html",
        {
            "qr": mark_safe(qr),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            **_token_error(error),
        },
    )


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    view = request.GET.get("view", "")
    filters: dict[str, Any] = {
        "view": view if view in cases.QUEUE_VIEWS else "department",
        "service": request.GET.get("service", ""),
        "state": request.GET.get("state", ""),
        "priority": request.GET.get("priority", ""),
        "search": request.GET.get("q", "").strip()[:100],
        "submitted_from": _date(request.GET.get("from", "")),
        "submitted_to": _date(request.GET.get("to", "")),
    }
    page = cases.case_queue_page(actor=actor, after=request.GET.get("after", ""), **filters)
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "staff/queue.html",
        {
            "page": page,
            "rows": [_queue_row(case) for case in page.cases],
            "filters": filters,
            "views": _views(),
            "services": service_list(),
            "priorities": Priority.choices,
            "query": query.urlencode(),
            "staff": _assignable(actor),
            "bulk_states": _bulk_states(page.cases),
            "may_act": actor.role != Role.AUDITOR,
        },
    )


@staff_required
def case_page(request: HttpRequest, reference: str) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    case = _case(reference, actor)
    access_record_case_read(case=case, actor=actor)  # on the applicant's "Who has used my data"
    form = case.service_version.definition["form"]
    answers = [
        {
            "label": formpages.question(form, name).label,
            "value": formpages.display(form, name, value),
        }
        for name, value in case.data.items()
        if name in form["schema"]["properties"]
    ]
    return render(
        request,
        "staff/case.html",
        {
            "case": case,
            "answers": answers,
            "timeline": [_staff_event(e) for e in cases.case_timeline(case=case, actor=actor)],
            "clock": _clock(case),
            "steps": _steps(case, actor),
            "staff": _assignable(actor) if actor.role in (Role.SUPERVISOR, Role.ADMIN) else [],
            "can_take": actor.role == Role.CASEWORKER and case.assignee_id != actor.pk,
            "may_act": _may_act(actor, case),
            "open_requests": case.information_requests.filter(answered_at__isnull=True),
            "attachments": case.attachments.all(),
            "outbox": messages_for_case(case),
            **_moves(case, actor),
        },
    )


def _moves(case: Case, actor: User) -> dict[str, Any]:
    """The services staff may move an open case to, the classifier's suggestions first."""
    if not case.is_open or not _may_act(actor, case):
        return {}
    suggested = triage_suggest_for_case(case=case)
    others = service_list().filter(kind=case.service.kind).exclude(pk=case.service_id)
    known = {s.slug for s in suggested}
    rest = [s for s in others.order_by("title") if s.slug not in known]
    return {"suggested_moves": suggested, "other_moves": rest}


@staff_required
def attachment(request: HttpRequest, reference: str, attachment_id: int) -> FileResponse:
    actor: User = request.user  # type: ignore[assignment]
    case = _case(reference, actor)
    response = attachment_response(case, attachment_id)
    access_record_case_read(case=case, actor=actor, document=response.filename or "")
    return response


@require_POST
@staff_required
def case_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """One form on the case page: transition, note, assign, take, move to another service
    or request information."""
    actor: User = request.user  # type: ignore[assignment]
    case = _case(reference, actor)
    post = request.POST
    if action == "transition" and case.service_version.workflow.is_terminal(post.get("to", "")):
        asked = recent_second_factor(request)  # a decision: the second factor must be recent
        if asked is not None:
            return asked
    version = _int(post.get("version"))
    try:
        match action:
            case "transition":
                case_services.case_transition(
                    case=case, to=post.get("to", ""), actor=actor,
                    reason=post.get("reason", ""), expected_version=version,
                )  # fmt: skip
                done = _("Case moved on.")
            case "note":
                case_services.case_add_note(
                    case=case,
                    text=post.get("text", ""),
                    actor=actor,
                    public=bool(post.get("public")),
                )
                done = _("Note added.")
            case "assign":
                assignee = _user(post.get("assignee"))
                case_services.case_assign(
                    case=case, assignee=assignee, actor=actor, expected_version=version
                )
                done = _("Case assigned.")
            case "take":
                case_services.case_assign(case=case, assignee=actor, actor=actor)
                done = _("The case is yours.")
            case "recategorise":
                target = Service.objects.filter(slug=post.get("service", ""), is_active=True)
                service = target.first()
                if service is None:
                    raise InvalidInput([FieldError("service", _("Choose the service to move to"))])
                case_services.case_recategorise(
                    case=case, service=service, actor=actor, reason=post.get("reason", "")
                )
                messages.success(request, _("Case moved to %(service)s.") % {"service": service})
                if not cases.visible_cases(actor=actor).filter(pk=case.pk).exists():
                    return redirect("staff:queue")  # now another department's
                return redirect("staff:case", reference=case.reference)
            case "request-info":
                case_services.case_request_info(
                    case=case, question=post.get("question", ""), actor=actor
                )
                done = _("Question sent to the applicant. The SLA clock is paused.")
            case _:
                raise Http404
    except PublicaError as exc:
        messages.error(request, plain_message(exc))
    else:
        messages.success(request, done)
    return redirect("staff:case", reference=case.reference)


@require_POST
@staff_required
def bulk(request: HttpRequest) -> HttpResponse:
    """Assign or move many cases at once; each case succeeds or fails on its own."""
    asked = recent_second_factor(request)
    if asked is not None:
        return asked
    actor: User = request.user  # type: ignore[assignment]
    references = request.POST.getlist("cases")
    action, _sep, value = request.POST.get("action", "").partition(":")
    done, failed = 0, []
    for case in cases.visible_cases(actor=actor).filter(reference__in=references[:200]):
        try:
            if action == "assign":
                assignee = _user(value)
                case_services.case_assign(case=case, assignee=assignee, actor=actor)
            elif action == "transition":
                case_services.case_transition(
                    case=case, to=value, actor=actor, reason=request.POST.get("reason", "")
                )
            else:
                raise InvalidInput([])
            done += 1
        except PublicaError as exc:
            failed.append(f"{case.reference}: {plain_message(exc) or _('choose an action')}")
    if done:
        messages.success(request, _("%(count)d case(s) updated.") % {"count": done})
    if failed:
        messages.error(request, _("Not changed: %(list)s") % {"list": "; ".join(failed)})
    if not references:
        messages.error(request, _("Select at least one case."))
    return redirect(f"{reverse('staff:queue')}?{request.POST.get('query', '')}")


# Helpers


def _case(reference: str, actor: User) -> Case:
    try:
        return cases.case_get(reference=reference, actor=actor)
    except NotFound:
        raise Http404 from None


def _may_act(actor: User, case: Case) -> bool:
    try:
        permissions.require_staff(actor, case)
    except PublicaError:
        return False
    return True


def _steps(case: Case, actor: User) -> list[dict[str, Any]]:
    """The transitions this person may take from the case's state."""
    if not case.is_open:
        return []
    workflow = case.service_version.workflow
    steps = []
    for target in workflow.targets_of(case.state):
        step = workflow.step(case.state, target)
        try:
            permissions.acting_role(actor, case, step.roles)
        except PublicaError:
            continue
        steps.append({"to": target, "label": step.label, "require_reason": step.require_reason,
                      "outcome": workflow.outcomes.get(target, "")})  # fmt: skip
    return steps


def _bulk_states(rows: list[Case]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for case in rows:
        workflow = case.service_version.workflow
        for target in workflow.targets_of(case.state):
            step = workflow.step(case.state, target)
            if (
                not step.require_reason
                and target not in seen
                and step.roles & {"caseworker", "supervisor"}
            ):
                seen[target] = step.label
    return sorted(seen.items(), key=lambda pair: pair[1])


def _assignable(actor: User) -> list[User]:
    people = User.objects.filter(is_active=True, role__in=[Role.CASEWORKER, Role.SUPERVISOR])
    if actor.role in (Role.CASEWORKER, Role.SUPERVISOR):
        people = people.filter(department=actor.department)
    return list(people.order_by("first_name", "last_name"))


def _clock(case: Case) -> dict[str, Any]:
    now = timezone.now()
    if case.closed_at:
        return {"state": "closed", "late": case.closed_at > case.due_at}
    if case.is_awaiting_info:
        return {"state": "paused", "since": case.awaiting_info_since}
    days = sla.working_days_between(timezone.localdate(), timezone.localtime(case.due_at).date())
    return {"state": "overdue" if case.due_at < now else "running", "days": days}


def _queue_row(case: Case) -> dict[str, Any]:
    return {"case": case, "clock": _clock(case)}


def _staff_event(event: CaseEvent) -> dict[str, Any]:
    who = str(event.actor) if event.actor else (event.actor_label or event.actor_role)
    data = event.data
    detail = data.get("reason") or data.get("text") or data.get("question") or data.get("answer")
    detail = detail or data.get("error") or ""
    if event.kind == CaseEvent.Kind.TRANSITIONED:
        title = _("%(from)s → %(to)s") % {"from": data.get("from"), "to": data.get("label")}
    else:
        title = event.get_kind_display()
    return {"event": event, "who": who, "title": title, "detail": detail}


def _views() -> list[tuple[str, str]]:
    return [
        ("mine", _("My cases")),
        ("department", _("All open")),
        ("unassigned", _("Unassigned")),
        ("overdue", _("Overdue")),
        ("at-risk", _("Due soon")),
        ("waiting", _("Waiting on applicant")),
    ]


def _token_error(error: str) -> dict[str, Any]:
    summary = [{"href": "#token", "message": error}] if error else []
    return {"error": error, "error_list": summary, "form_has_errors": bool(error)}


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _user(text: str | None) -> User | None:
    pk = _int(text)
    return User.objects.filter(pk=pk).first() if pk is not None else None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None

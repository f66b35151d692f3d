"""The citizen portal: find a service, fill in its form, send it, track it. Works without JS.

Views parse the request, call one service or selector, and render; form state between pages
lives in the session (and, for signed-in residents, in a saved draft).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import markdown
import nh3
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.files import File
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from publica.assistant.services.help import assistant_search
from publica.cases import services as case_services
from publica.cases.models import Channel
from publica.catalogue import answers
from publica.catalogue.models import Service
from publica.catalogue.selectors import service_get, service_list
from publica.core.actors import Actor
from publica.core.errors import FieldError, InvalidInput, NotFound, PermissionDenied
from publica.portal import duplicates, formpages, once_only
from publica.portal import services as portal_services
from publica.portal.models import Draft, PendingUpload
from publica.portal.tracking import remember, tracked_case

SESSION_FORMS = "publica_forms"


def home(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    services = list(service_list())
    return render(
        request,
        "portal/home.html",
        {
            "query": query,
            "results": assistant_search(query) if query else [],
            "services": services,
            "reports": [s for s in services if s.kind == Service.Kind.REPORT],
            "applications": [s for s in services if s.kind == Service.Kind.APPLICATION],
        },
    )


def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    service = _service(slug)
    definition = service.current_version.definition  # type: ignore[union-attr]
    description = nh3.clean(markdown.markdown(definition.get("description", "")))
    return render(
        request,
        "portal/service.html",
        {"service": service, "definition": definition, "description": mark_safe(description)},
    )


def service_start(request: HttpRequest, slug: str) -> HttpResponse:
    """Start (or resume, from the session or a saved draft) the service's form."""
    service = _service(slug)
    state = _form_state(request, service)
    if not state and signed_in_resident(request):
        draft = Draft.objects.filter(owner_id=request.user.pk, service=service).first()
        if draft is not None:
            _save_state(request, service, draft.answers)
            state = draft.answers
            messages.info(request, _("We have brought back the answers you saved."))
    first = once_only.before_start(request, service, state)  # consent, or registers' answers
    _save_state(request, service, state)
    return redirect(first or reverse("portal:form-page", args=[slug, _first_page(service, state)]))


@require_http_methods(["GET", "POST"])
def form_page(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    service = _service(slug)
    form = _form(service)
    all_pages = formpages.pages(form)
    if not 1 <= number <= len(all_pages):
        raise Http404
    page = all_pages[number - 1]
    data = _form_state(request, service)
    names = formpages.visible(form, page, data)
    if not names:  # a page whose every question is hidden by earlier answers
        return redirect(_next_url(service, number, data, request))
    posted: dict[str, Any] = {}
    errors: list[FieldError] = []
    origin = once_only.held(request, service)
    fixed = frozenset(origin.get("locked", ()))  # taken from a register, not to be changed
    if request.method == "POST":
        values, errors = formpages.read_page(
            form, [n for n in names if n not in fixed], request.POST
        )
        values |= _held_files(request, form, names, data, errors)
        data = {k: v for k, v in data.items() if k not in page.names or k in fixed} | values
        data = {key: value for key, value in data.items() if key in set(_asked(form, data))}
        errors += formpages.page_errors(form, data, [n for n in names if n not in _names(errors)])
        posted = request.POST
        _save_state(request, service, data)
        if request.POST.get("save") and signed_in_resident(request):
            portal_services.draft_save(service=service, answers=data, actor=request.user)  # type: ignore[arg-type]
            messages.success(request, _("Your answers are saved. Come back to them from My cases."))
            return redirect("portal:my-cases")
        if not errors:
            return redirect(_next_url(service, number, data, request))
    fields = [_field(form, name, data, posted, errors, request, origin) for name in names]
    heading = page.title or formpages.question(form, names[0]).label
    return render(
        request,
        "portal/form_page.html",
        {
            "service": service,
            "fields": fields,
            "page_heading": heading,
            "has_files": any(f["question"].widget == "file" for f in fields),
            "has_location": any(f["question"].widget == "location" for f in fields),
            "errors": _summary(form, errors),
            "form_has_errors": bool(errors),
            "back_url": _back_url(service, number, data),
            **_map_settings(),
        },
    )


@require_http_methods(["GET", "POST"])
def check_answers(request: HttpRequest, slug: str) -> HttpResponse:
    service = _service(slug)
    form = _form(service)
    data = _form_state(request, service)
    if request.method == "GET" and (elsewhere := duplicates.interruption(request, service, data)):
        return redirect(elsewhere)  # "Is it one of these?" first
    contact_email = request.POST.get("contact-email", "").strip()
    errors: list[FieldError] = []
    if request.method == "POST":
        actor: Actor | None = request.user if request.user.is_authenticated else None  # type: ignore[assignment]
        held = _files_for(request, form, data)
        try:
            case = case_services.case_submit(
                service=service,
                data={key: value for key, value in data.items() if key not in held},
                actor=actor,
                channel=Channel.PORTAL,
                contact={} if actor else {"email": contact_email},
                files={
                    q: [File(h.file.open("rb"), name=h.name) for h in hs] for q, hs in held.items()
                },
            )
        except InvalidInput as exc:
            errors = exc.errors
        except PermissionDenied as exc:  # a role that may not submit cases (auditor, designer)
            raise DjangoPermissionDenied(str(exc)) from exc
        else:
            portal_services.uploads_discard(uploads=[h for hs in held.values() for h in hs])
            _clear_state(request, service)
            if signed_in_resident(request):
                portal_services.draft_discard(service=service, actor=request.user)  # type: ignore[arg-type]
            once_only.after_submit(request, case)
            remember(request, case.reference, case.contact_email)
            return redirect("portal:confirmation", reference=case.reference)
    contact_error = next((e.message for e in errors if e.field.startswith("contact")), "")
    summary = [
        {
            "href": "#contact-email"
            if e.field.startswith("contact")
            else _page_url(service, e.field),
            "message": e.message,
        }
        for e in errors
    ]
    origin = once_only.held(request, service)
    rows = [
        {
            "label": formpages.question(form, name).label,
            "value": _shown_answer(request, form, name, data),
            "change_url": _page_url(service, name),
            "source": origin.get("sources", {}).get(name, ""),
            "locked": name in origin.get("locked", ()),
        }
        for name in _asked(form, data)
    ]
    return render(
        request,
        "portal/check.html",
        {
            "service": service,
            "rows": rows,
            "errors": summary,
            "form_has_errors": bool(summary),
            "contact_error": contact_error,
            "contact_email": contact_email,
            "back_url": _back_url(service, len(formpages.pages(form)) + 1, data),
        },
    )


def confirmation(request: HttpRequest, reference: str) -> HttpResponse:
    case = tracked_case(request, reference)
    return render(request, "portal/confirmation.html", {"case": case})


# Helpers


def _session_key(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()
    return str(request.session.session_key)


def _held_files(
    request: HttpRequest,
    form: dict[str, Any],
    names: list[str],
    data: dict[str, Any],
    errors: list[FieldError],
) -> dict[str, Any]:
    """Tokens of the files uploaded for this page's file questions; choosing new files
    replaces the ones held before, and no new files keeps them."""
    tokens: dict[str, Any] = {}
    for name in names:
        if formpages.question(form, name).widget != "file":
            continue
        chosen = request.FILES.getlist(name)
        if not chosen:
            if data.get(name):
                tokens[name] = data[name]
            continue
        held = []
        for upload in chosen:
            try:
                held.append(
                    portal_services.upload_hold(
                        upload=upload, session_key=_session_key(request), question=name
                    )
                )
            except InvalidInput as exc:
                label = formpages.question(form, name).label
                errors += [
                    FieldError(name, f"“{label}”: {upload.name}: {e.message}") for e in exc.errors
                ]
        if held:
            tokens[name] = [str(h.token) for h in held]
    return tokens


def _files_for(
    request: HttpRequest, form: dict[str, Any], data: dict[str, Any]
) -> dict[str, list[PendingUpload]]:
    return {
        name: portal_services.uploads_held(
            tokens=list(data[name]), session_key=_session_key(request)
        )
        for name in data
        if name in form["schema"]["properties"] and formpages.question(form, name).widget == "file"
    }


def _shown_answer(
    request: HttpRequest, form: dict[str, Any], name: str, data: dict[str, Any]
) -> str:
    if name not in data:
        return ""
    if formpages.question(form, name).widget == "file":
        held = portal_services.uploads_held(
            tokens=list(data[name]), session_key=_session_key(request)
        )
        return ", ".join(h.name for h in held)
    return formpages.display(form, name, data[name])


def _service(slug: str) -> Service:
    try:
        return service_get(slug=slug)
    except NotFound:
        raise Http404 from None


def _form(service: Service) -> dict[str, Any]:
    return dict(service.current_version.definition["form"])  # type: ignore[union-attr]


def signed_in_resident(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated and getattr(request.user, "is_resident", False))


def _form_state(request: HttpRequest, service: Service) -> dict[str, Any]:
    return dict(request.session.get(SESSION_FORMS, {}).get(service.slug, {}))


def _save_state(request: HttpRequest, service: Service, data: dict[str, Any]) -> None:
    forms = request.session.get(SESSION_FORMS, {})
    forms[service.slug] = data
    request.session[SESSION_FORMS] = forms


def _clear_state(request: HttpRequest, service: Service) -> None:
    forms = request.session.get(SESSION_FORMS, {})
    forms.pop(service.slug, None)
    request.session[SESSION_FORMS] = forms


def _asked(form: dict[str, Any], data: dict[str, Any]) -> list[str]:
    return answers.visible_fields(form, data)


def _names(errors: list[FieldError]) -> set[str]:
    return {error.field.split(".")[0] for error in errors}


def _first_page(service: Service, data: dict[str, Any]) -> int:
    form = _form(service)
    for page in formpages.pages(form):
        names = formpages.visible(form, page, data)
        if names and (
            any(n not in data for n in names) or formpages.page_errors(form, data, names)
        ):
            return page.number
    return 1


def _next_url(service: Service, number: int, data: dict[str, Any], request: HttpRequest) -> str:
    """The next page with a question to ask, or the check page (always, after a change)."""
    form = _form(service)
    if request.GET.get("change"):
        return reverse("portal:check", args=[service.slug])
    for page in formpages.pages(form)[number:]:
        if formpages.visible(form, page, data):
            return reverse("portal:form-page", args=[service.slug, page.number])
    return reverse("portal:check", args=[service.slug])


def _back_url(service: Service, number: int, data: dict[str, Any]) -> str:
    form = _form(service)
    for page in reversed(formpages.pages(form)[: number - 1]):
        if formpages.visible(form, page, data):
            return reverse("portal:form-page", args=[service.slug, page.number])
    return reverse("portal:service", args=[service.slug])


def _page_url(service: Service, field: str) -> str:
    name = field.split(".")[0]
    for page in formpages.pages(_form(service)):
        if name in page.names:
            url = reverse("portal:form-page", args=[service.slug, page.number])
            return f"{url}?change=1{_anchor(_form(service), name)}"
    return reverse("portal:form-page", args=[service.slug, 1])


def _field(
    form: dict[str, Any],
    name: str,
    data: dict[str, Any],
    posted: Any,
    errors: list[FieldError],
    request: HttpRequest,
    origin: dict[str, Any],
) -> dict[str, Any]:
    asked = formpages.question(form, name)
    value = data.get(name)
    error = next((e.message for e in errors if e.field.split(".")[0] == name), "")
    if source := origin.get("sources", {}).get(name):
        if name in origin.get("locked", ()):
            shown = formpages.display(form, name, value) if value is not None else ""
            return {"question": asked, "locked": True, "shown": shown, "source": source}
        note = _("Filled in from the %(source)s. You can change it.") % {"source": source}
        lead = asked.help if not asked.help or asked.help.endswith(".") else f"{asked.help}."
        asked = replace(asked, help=f"{lead} {note}".strip())
    field: dict[str, Any] = {"question": asked, "error": error}
    if asked.widget == "file":
        field["held"] = _shown_answer(request, form, name, data)
        field["max_upload_mb"] = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
    elif asked.widget == "location":
        location = value if isinstance(value, dict) else {}
        field["parts"] = {
            key: posted.get(f"{name}-{key}", location.get(key, ""))
            if posted
            else location.get(key, "")
            for key in ("address", "latitude", "longitude")
        }
    elif asked.widget == "date":
        year, month, day = [*str(value).split("-"), "", "", ""][:3] if value else ["", "", ""]
        given = {"day": day, "month": month, "year": year}
        field["date_parts"] = [
            (part, label, width, posted.get(f"{name}-{part}", "") if posted else given[part])
            for part, label, width in (
                ("day", _("Day"), 2), ("month", _("Month"), 2), ("year", _("Year"), 4),
            )
        ]  # fmt: skip
    elif asked.widget == "checkboxes":
        field["raw"] = posted.getlist(name) if posted else [str(v) for v in value or []]
    elif asked.widget == "yes-no":
        field["raw"] = posted.get(name, "") if posted else _yes_no(value)
    else:
        field["raw"] = posted.get(name, "") if posted else ("" if value is None else str(value))
    return field


def _yes_no(value: Any) -> str:
    return "yes" if value is True else "no" if value is False else ""


def _summary(form: dict[str, Any], errors: list[FieldError]) -> list[dict[str, str]]:
    """Error summary entries, each linking to the first input of its question."""
    return [{"href": _anchor(form, e.field), "message": e.message} for e in errors]


def _anchor(form: dict[str, Any], field: str) -> str:
    name = field.split(".")[0]
    if name not in form["schema"]["properties"]:
        return "#main-content"
    widget = formpages.question(form, name).widget
    return (
        f"#{name}-address"
        if widget == "location"
        else f"#{name}-day"
        if widget == "date"
        else f"#{name}"
    )


def _map_settings() -> dict[str, Any]:
    return {
        "map_tiles": settings.MAP_TILES_URL,
        "map_attribution": settings.MAP_ATTRIBUTION,
        "map_centre": settings.MAP_CENTRE,
    }
